import type { FastifyPluginCallback } from 'fastify';
import { WritError } from '../../core/errors.js';
import type { FleetClients } from '../fleet/index.js';
import { rotateControlCertificate, type CertificateAuthority } from '../pki/index.js';
import type { Registry } from '../registry/index.js';
import type { RenewalOutcome, RenewalSweep } from '../renewal/index.js';
import {
  AgentNameParamsSchema,
  CONTROL_ROTATE_PATH,
  RENEWAL_SWEEP_PATH,
  RenewedSchema,
  RevokedSchema,
  RotatedSchema,
  SweepReportSchema,
  type Renewed,
  type Revoked,
  type Rotated,
  type SweepReportView,
} from './agent-admin-messages.js';
import { apiSchema } from './api-doc.js';
import { ErrorAnswerSchema } from './error-replies.js';
import type { ControlLogger } from './logger.js';
import { operatorOnly } from './operator-auth.js';

export interface AgentAdminContext {
  readonly ca: CertificateAuthority;
  readonly registry: Registry;
  readonly clients: FleetClients;
  readonly sweep: RenewalSweep;
  readonly apiToken: string;
  readonly log: ControlLogger;
  /** Makes the new control certificate the one new connections (both directions) present. */
  readonly useControlCertificate: (certPem: string, keyPem: string) => void;
}

const nameOf = (params: unknown): string => {
  const parsed = AgentNameParamsSchema.safeParse(params);
  if (!parsed.success) throw new WritError('REQUEST_INVALID', 'the agent name is missing or too long');
  return parsed.data.name;
};

const renewedView = (outcome: RenewalOutcome): Renewed => ({ name: outcome.name, serial: outcome.renewed.serial, notAfter: outcome.renewed.notAfter, previousSerial: outcome.previous.serial });
const errors = { 400: ErrorAnswerSchema, 401: ErrorAnswerSchema, 404: ErrorAnswerSchema, 409: ErrorAnswerSchema, 502: ErrorAnswerSchema };

/** Revocation, renewal and rotation: the operator routes that change who holds a valid certificate. */
export function agentAdminRoutes(ctx: AgentAdminContext): FastifyPluginCallback {
  return (app, _options, done) => {
    // Operators only: an agent's certificate must never revoke, renew or rotate anything.
    app.addHook('onRequest', operatorOnly(ctx.apiToken));

    app.post('/v1/agents/:name/revoke', { schema: apiSchema({ summary: 'Revoke an agent: every certificate it ever had is refused from its next handshake on', tag: 'agents', auth: 'operator', params: AgentNameParamsSchema, responses: { 200: RevokedSchema, ...errors } }) }, async (request): Promise<{ revoked: Revoked }> => {
      const name = nameOf(request.params);
      const serials = await ctx.registry.revokeAgent(name, new Date());
      // Kept-alive connections were verified before the revocation: none may carry another request.
      ctx.clients.forget(name);
      ctx.log.info({ event: 'agent.revoked', name, serials });
      return { revoked: { name, serials } };
    });

    app.post('/v1/agents/:name/renew', { schema: apiSchema({ summary: "Renew an agent's certificate now, over its live mTLS connection", tag: 'agents', auth: 'operator', params: AgentNameParamsSchema, responses: { 200: RenewedSchema, ...errors } }) }, async (request): Promise<{ renewed: Renewed }> => {
      return { renewed: renewedView(await ctx.sweep.renewNow(nameOf(request.params))) };
    });

    app.post(RENEWAL_SWEEP_PATH, { schema: apiSchema({ summary: 'Renew every active agent whose certificate is past half its lifetime', tag: 'agents', auth: 'operator', responses: { 200: SweepReportSchema, 401: ErrorAnswerSchema } }) }, async (): Promise<SweepReportView> => {
      const report = await ctx.sweep.sweep();
      return { checked: report.checked, renewed: report.renewed.map(renewedView), failed: [...report.failed] };
    });

    app.post(CONTROL_ROTATE_PATH, { schema: apiSchema({ summary: "Replace the control host's own key and certificate; agents accept the new one at their next handshake", tag: 'control', auth: 'operator', responses: { 200: RotatedSchema, 401: ErrorAnswerSchema } }) }, async (): Promise<{ rotated: Rotated }> => {
      const now = new Date();
      const rotated = rotateControlCertificate(ctx.ca, now);
      // Recorded so the serial is known (never reused) before anyone has seen the certificate.
      await ctx.registry.recordCertificate({ agentName: null, serial: rotated.serial, fingerprint: rotated.fingerprint, issuedAt: now, notAfter: rotated.notAfter });
      ctx.useControlCertificate(rotated.certPem, rotated.keyPem);
      ctx.log.info({ event: 'control.certificate_rotated', serial: rotated.serial, previousSerial: rotated.previousSerial, notAfter: rotated.notAfter.toISOString() });
      return { rotated: { serial: rotated.serial, previousSerial: rotated.previousSerial, notAfter: rotated.notAfter.toISOString() } };
    });
    done();
  };
}
