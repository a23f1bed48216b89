import type { FastifyInstance } from 'fastify';
import { WritError } from '../../core/errors.js';
import { PAIRING_REQUESTS_PATH, PairingRequestBodySchema, exportedKeyingMaterial, pairingCode, type PairingRequestAccepted, type PairingStatus } from '../../transport/pairing/index.js';
import { parseCsr } from '../pki/index.js';
import type { ControlContext } from './context.js';
import { sendError } from './error-replies.js';
import { checkPairingCapacity } from './pairing-capacity.js';
import { tlsSocketOf } from './tls-socket.js';

/**
 * The routes agents use while pairing. They need no client identity (an agent asking to pair has no
 * certificate yet); the request's own connection and the operator's decision are what count.
 */
export function registerAgentPairingRoutes(app: FastifyInstance, ctx: ControlContext): void {
  app.post(PAIRING_REQUESTS_PATH, async (request, reply) => {
    const now = new Date();
    // Outside pairing mode the control host takes no requests at all: no CSR parsing, no rows.
    if (!ctx.window.isOpen(now)) return sendError(reply, 403, 'PAIRING_CLOSED', 'the control host is not in pairing mode; ask its operator to run writ control pairing-mode');
    const parsed = PairingRequestBodySchema.safeParse(request.body);
    if (!parsed.success) return sendError(reply, 400, 'REQUEST_INVALID', parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const body = parsed.data;
    await checkPairingCapacity(ctx.registry, now);
    const csr = parseCsr(body.csr);
    // The certificate is issued to the CSR's name; a request naming another would mislead the operator.
    if (csr.commonName !== body.name) throw new WritError('PAIRING_NAME_MISMATCH', `the request names "${body.name}" but its CSR is for "${csr.commonName}"`);
    // Computed from the connection this request came on: a relay's connection gives another code.
    const code = pairingCode(exportedKeyingMaterial(tlsSocketOf(request)), ctx.controlKey, csr.publicKey);
    // Everything approval needs is stored with the request: whichever control host shares this
    // registry, now or after a restart, can approve it.
    const stored = await ctx.registry.addPairingRequest({
      agentName: body.name,
      csrPem: body.csr,
      code,
      tags: body.tags ?? [],
      address: body.address,
      version: body.version ?? null,
      requestedAt: now,
      expiresAt: new Date(now.getTime() + ctx.pairingTtlMs),
    });
    const from = request.raw.socket.remoteAddress ?? 'unknown';
    ctx.log.info({ event: 'pairing.requested', name: body.name, code, address: body.address, from, expiresAt: stored.expiresAt });
    const accepted: PairingRequestAccepted = { id: stored.id, expiresAt: stored.expiresAt, caCertificate: ctx.ca.caCertPem };
    return reply.code(202).send(accepted);
  });

  app.get<{ Params: { id: string } }>(`${PAIRING_REQUESTS_PATH}/:id`, async (request, reply) => {
    const found = await ctx.registry.getPairingRequest(request.params.id, new Date());
    // Denied requests are gone and expired ones are as good as gone: the agent learns only "no".
    if (found === null || found.state === 'expired') return sendError(reply, 404, 'PAIRING_NOT_FOUND', 'no such pairing request (denied, expired or unknown)');
    const status: PairingStatus = found.state === 'approved' && found.certPem !== null ? { state: 'approved', certificate: found.certPem } : { state: 'pending', expiresAt: found.expiresAt };
    return reply.send(status);
  });
}
