import { z } from 'zod';

/**
 * Operator routes that change an agent's or the control host's certificate:
 *
 *   POST /v1/agents/:name/revoke         -> { revoked: { name, serials } }
 *   POST /v1/agents/:name/renew          -> { renewed: { name, serial, notAfter, previousSerial } }
 *   POST /v1/renewals/sweep              -> { checked, renewed: [...], failed: [...] }
 *   POST /v1/control/certificate/rotate  -> { rotated: { serial, previousSerial, notAfter } }
 */
export const agentRevokePath = (name: string): string => `/v1/agents/${encodeURIComponent(name)}/revoke`;
export const agentRenewPath = (name: string): string => `/v1/agents/${encodeURIComponent(name)}/renew`;
export const RENEWAL_SWEEP_PATH = '/v1/renewals/sweep';
export const CONTROL_ROTATE_PATH = '/v1/control/certificate/rotate';

export const AgentNameParamsSchema = z.object({ name: z.string().min(1).max(253) });

export const RevokedSchema = z.object({ revoked: z.object({ name: z.string(), serials: z.array(z.string()) }) });
export type Revoked = z.infer<typeof RevokedSchema>['revoked'];

const RenewedItem = z.object({ name: z.string(), serial: z.string(), notAfter: z.string(), previousSerial: z.string() });
export const RenewedSchema = z.object({ renewed: RenewedItem });
export type Renewed = z.infer<typeof RenewedItem>;

export const SweepReportSchema = z.object({
  checked: z.number().int().min(0),
  renewed: z.array(RenewedItem),
  failed: z.array(z.object({ name: z.string(), code: z.string(), message: z.string() })),
});
export type SweepReportView = z.infer<typeof SweepReportSchema>;

export const RotatedSchema = z.object({ rotated: z.object({ serial: z.string(), previousSerial: z.string(), notAfter: z.string() }) });
export type Rotated = z.infer<typeof RotatedSchema>['rotated'];
