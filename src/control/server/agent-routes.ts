import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { WritError } from '../../core/errors.js';
import { parseInput } from '../../core/parse-input.js';
import {
  PAIRING_REQUESTS_PATH,
  PairingRequestAcceptedSchema,
  PairingRequestBodySchema,
  PairingStatusSchema,
  exportedKeyingMaterial,
  pairingCode,
  type PairingRequestAccepted,
  type PairingStatus,
} from '../../transport/pairing/index.js';
import { parseCsr } from '../pki/index.js';
import { apiSchema } from './api-doc.js';
import type { ControlContext } from './context.js';
import { sendError } from './error-replies.js';
import { checkPairingCapacity } from './pairing-capacity.js';
import { tlsSocketOf } from './tls-socket.js';

/**
 * The routes agents use while pairing. They need no client identity (an agent asking to pair has no
 * certificate yet); the request's own connection and the operator's decision are what count.
 */
export function registerAgentPairingRoutes(app: FastifyInstance, ctx: ControlContext): void {
  const requestDoc = apiSchema({
    summary: 'Ask to pair (agent)',
    description: 'An agent with no certificate yet sends its CSR while pairing mode is on; both ends derive the pairing code from this TLS 1.3 connection.',
    tag: 'pairing',
    auth: 'pairing',
    body: PairingRequestBodySchema,
    responses: { 202: PairingRequestAcceptedSchema },
    errors: ['CSR_INVALID', 'PAIRING_NAME_MISMATCH', 'RECORD_INVALID', 'PAIRING_CLOSED', 'PAIRING_CODE_IN_USE', 'PAIRING_BUSY', 'REGISTRY_UNAVAILABLE'],
  });
  app.post(PAIRING_REQUESTS_PATH, { schema: requestDoc }, async (request, reply) => {
    const now = new Date();
    // Outside pairing mode the control host takes no requests at all: no CSR parsing, no rows.
    if (!ctx.window.isOpen(now)) return sendError(reply, 403, 'PAIRING_CLOSED', 'the control host is not in pairing mode; ask its operator to run writ control pairing-mode');
    const body = parseInput(PairingRequestBodySchema, request.body);
    await checkPairingCapacity(ctx.registry, now);
    const csr = parseCsr(body.csr);
    // The certificate is issued to the CSR's name; a request naming another would mislead the operator.
    if (csr.commonName !== body.name) throw new WritError('PAIRING_NAME_MISMATCH', `the request names "${body.name}" but its CSR is for "${csr.commonName}"`);
    // Computed from the connection this request came on: a relay's connection gives another code.
    const socket = tlsSocketOf(request);
    // The key this very connection presented: after a rotation, older connections still show the old one.
    const controlCert = socket.getX509Certificate();
    if (controlCert === undefined) throw new WritError('PAIRING_FAILED', 'the connection has no server certificate to derive the code from');
    const code = pairingCode(exportedKeyingMaterial(socket), controlCert.publicKey, csr.publicKey);
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

  const statusDoc = apiSchema({ summary: 'Status of a pairing request (agent)', description: 'Polled by the agent until approved; denied, expired and unknown requests are all 404.', tag: 'pairing', auth: 'pairing', params: z.object({ id: z.string() }), responses: { 200: PairingStatusSchema }, errors: ['PAIRING_NOT_FOUND', 'REGISTRY_UNAVAILABLE'] });
  app.get<{ Params: { id: string } }>(`${PAIRING_REQUESTS_PATH}/:id`, { schema: statusDoc }, async (request, reply) => {
    const found = await ctx.registry.getPairingRequest(request.params.id, new Date());
    // Denied requests are gone and expired ones are as good as gone: the agent learns only "no".
    if (found === null || found.state === 'expired') return sendError(reply, 404, 'PAIRING_NOT_FOUND', 'no such pairing request (denied, expired or unknown)');
    const status: PairingStatus = found.state === 'approved' && found.certPem !== null ? { state: 'approved', certificate: found.certPem } : { state: 'pending', expiresAt: found.expiresAt };
    return reply.send(status);
  });
}
