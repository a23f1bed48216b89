import type { FastifyInstance, FastifyPluginCallback } from 'fastify';
import { z } from 'zod';
import { WritError } from '../../core/errors.js';
import { parseInput } from '../../core/parse-input.js';
import { PAIRING_REQUESTS_PATH, normalizePairingCode } from '../../transport/pairing/index.js';
import { parseCsr } from '../pki/index.js';
import type { PairingRequest } from '../registry/index.js';
import { issueAgentCertificate } from './agent-certificate.js';
import { apiSchema } from './api-doc.js';
import type { ControlContext } from './context.js';
import { operatorOnly } from './operator-auth.js';
import {
  AGENTS_PATH,
  AgentViewSchema,
  ApprovedSchema,
  DeniedSchema,
  HEALTH_PATH,
  HealthSchema,
  PAIRING_APPROVE_PATH,
  PAIRING_DENY_PATH,
  PAIRING_MODE_PATH,
  PairingCodeBodySchema,
  PairingModeBodySchema,
  PairingModeStateSchema,
  PendingPairingViewSchema,
  type PendingPairingView,
} from './operator-messages.js';
import { DEFAULT_PAIRING_MINUTES } from './pairing-window.js';
import { pendingPairingView } from './pending-view.js';


/** The pending, unexpired request showing `code`, or PAIRING_NOT_FOUND. */
async function pendingRequestByCode(ctx: ControlContext, typedCode: string, now: Date): Promise<PairingRequest> {
  const code = normalizePairingCode(typedCode);
  const request = await ctx.registry.findPairingByCode(code, now);
  if (request === null) throw new WritError('PAIRING_NOT_FOUND', `no pending pairing request shows the code ${code} (already decided, expired or never made)`);
  return request;
}

/**
 * The operator API. Every route needs an operator (API token or the control certificate), checked
 * before the route runs; nothing here is reachable by an agent's own certificate.
 */
export function operatorRoutes(ctx: ControlContext): FastifyPluginCallback {
  return (scope: FastifyInstance, _options, done) => {
    scope.addHook('onRequest', operatorOnly(ctx.apiToken));

    scope.get(HEALTH_PATH, { schema: apiSchema({ summary: 'Health of the control host', tag: 'health', auth: 'operator', responses: { 200: HealthSchema } }) }, () => ({ status: 'ok' }));

    scope.get(PAIRING_MODE_PATH, { schema: apiSchema({ summary: 'Whether this control host takes pairing requests, and until when', tag: 'pairing', auth: 'operator', responses: { 200: PairingModeStateSchema } }) }, () => ctx.window.state());

    const modeDoc = apiSchema({ summary: 'Open or close pairing mode', description: 'Opens the pairing window for `minutes` (default 10) or closes it; the window is this process\'s own.', tag: 'pairing', auth: 'operator', body: PairingModeBodySchema, responses: { 200: PairingModeStateSchema } });
    scope.post(PAIRING_MODE_PATH, { schema: modeDoc }, (request) => {
      const body = parseInput(PairingModeBodySchema, request.body);
      const state = body.enabled ? ctx.window.open(body.minutes ?? DEFAULT_PAIRING_MINUTES) : ctx.window.close();
      ctx.log.info({ event: 'pairing.mode', ...state });
      return state;
    });

    const listDoc = apiSchema({ summary: 'Pending pairing requests', description: 'Every undecided, unexpired request in the registry, whichever control host accepted it.', tag: 'pairing', auth: 'operator', responses: { 200: z.array(PendingPairingViewSchema) }, errors: ['REGISTRY_UNAVAILABLE'] });
    scope.get(PAIRING_REQUESTS_PATH, { schema: listDoc }, async (): Promise<PendingPairingView[]> => {
      const now = new Date();
      await purgeExpired(ctx, now);
      // Whichever control host accepted them: the registry is the one list of undecided requests.
      const requests = await ctx.registry.listPendingPairings(now);
      const registered = new Set((await ctx.registry.listAgents({ names: requests.map((r) => r.agentName) })).map((a) => a.name));
      return requests.map((r) => pendingPairingView(r, registered.has(r.agentName)));
    });

    const decisionErrors = ['PAIRING_CODE_INVALID', 'PAIRING_NOT_FOUND', 'PAIRING_EXPIRED', 'PAIRING_NOT_PENDING', 'REGISTRY_UNAVAILABLE'];
    const approveDoc = apiSchema({ summary: 'Approve the pairing request showing a code', description: 'Issues the agent its certificate and registers it (replacing an agent of the same name).', tag: 'pairing', auth: 'operator', body: PairingCodeBodySchema, responses: { 200: ApprovedSchema }, errors: [...decisionErrors, 'PAIRING_INCOMPLETE', 'RECORD_INVALID'] });
    scope.post(PAIRING_APPROVE_PATH, { schema: approveDoc }, async (request) => {
      const now = new Date();
      const pairing = await pendingRequestByCode(ctx, parseInput(PairingCodeBodySchema, request.body).code, now);
      // Stored by an older writ (registry schema 1), the request has no address: the control host
      // could never dial the agent, so no certificate is issued for it.
      if (pairing.address === '') {
        throw new WritError('PAIRING_INCOMPLETE', `the request showing ${pairing.code} has no agent address (stored by an older writ); deny it and have the agent request pairing again`);
      }
      // Parsed again from the stored CSR: the certificate's key and name come from nothing else.
      const approval = issueAgentCertificate(ctx.ca, parseCsr(pairing.csrPem), pairing, ctx.agentValidityDays, now);
      const agent = await ctx.registry.approvePairing(pairing.id, approval);
      ctx.log.info({ event: 'pairing.approved', name: agent.name, code: pairing.code, serial: agent.certSerial, address: agent.address, tags: agent.tags });
      return { agent };
    });

    const denyDoc = apiSchema({ summary: 'Deny the pairing request showing a code', description: 'Deletes the request; the agent polling it hears 404.', tag: 'pairing', auth: 'operator', body: PairingCodeBodySchema, responses: { 200: DeniedSchema }, errors: decisionErrors });
    scope.post(PAIRING_DENY_PATH, { schema: denyDoc }, async (request) => {
      const pairing = await pendingRequestByCode(ctx, parseInput(PairingCodeBodySchema, request.body).code, new Date());
      await ctx.registry.denyPairing(pairing.id);
      ctx.log.info({ event: 'pairing.denied', name: pairing.agentName, code: pairing.code });
      return { denied: { name: pairing.agentName, code: pairing.code } };
    });

    scope.get(AGENTS_PATH, { schema: apiSchema({ summary: 'Registered agents', tag: 'agents', auth: 'operator', responses: { 200: z.array(AgentViewSchema) }, errors: ['REGISTRY_UNAVAILABLE'] }) }, () => ctx.registry.listAgents());
    done();
  };
}

/** Deletes expired requests from the registry; logs how many went. */
export async function purgeExpired(ctx: ControlContext, now: Date): Promise<void> {
  const purged = await ctx.registry.purgeExpiredPairings(now);
  if (purged > 0) ctx.log.info({ event: 'pairing.expired', count: purged });
}
