import { z } from 'zod';
import { MAX_PAIRING_MINUTES } from './pairing-window.js';

/**
 * The operator API's bodies (control host, HTTPS, token or control-certificate auth):
 *
 *   POST /v1/pairing/mode      PairingModeBody -> PairingModeState
 *   GET  /v1/pairing/mode      -> PairingModeState
 *   GET  /v1/pairing/requests  -> PendingPairingView[]
 *   POST /v1/pairing/approve   PairingCodeBody -> { agent: AgentRecord } | 404 PAIRING_NOT_FOUND | 409 PAIRING_INCOMPLETE
 *   POST /v1/pairing/deny      PairingCodeBody -> { denied: { name, code } } | 404 PAIRING_NOT_FOUND
 *   GET  /v1/agents            -> AgentRecord[]
 *   GET  /v1/health            -> { status: "ok" }
 */
export const PAIRING_MODE_PATH = '/v1/pairing/mode';
export const PAIRING_APPROVE_PATH = '/v1/pairing/approve';
export const PAIRING_DENY_PATH = '/v1/pairing/deny';
export const AGENTS_PATH = '/v1/agents';
export const HEALTH_PATH = '/v1/health';

export const HealthSchema = z.object({ status: z.literal('ok') });

export const PairingModeBodySchema = z
  .object({
    enabled: z.boolean(),
    minutes: z.number().int().min(1).max(MAX_PAIRING_MINUTES).optional(),
  })
  .strict();
export type PairingModeBody = z.infer<typeof PairingModeBodySchema>;

export const PairingModeStateSchema = z.object({ enabled: z.boolean(), until: z.string().nullable() });
export type PairingModeState = z.infer<typeof PairingModeStateSchema>;

export const PairingCodeBodySchema = z.object({ code: z.string().min(1).max(64) }).strict();
export type PairingCodeBody = z.infer<typeof PairingCodeBodySchema>;

export const PendingPairingViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  code: z.string(),
  tags: z.array(z.string()),
  address: z.string(),
  requestedAt: z.string(),
  expiresAt: z.string(),
  keyFingerprint: z.string(),
  /** True when an agent of this name is registered: approving replaces its certificate. */
  replacesAgent: z.boolean(),
});
export type PendingPairingView = z.infer<typeof PendingPairingViewSchema>;

export const DeniedSchema = z.object({ denied: z.object({ name: z.string(), code: z.string() }) });

/** An AgentRecord as the API sends it (src/control/registry/records.ts). */
export const AgentViewSchema = z.object({
  name: z.string(),
  tags: z.array(z.string()),
  address: z.string(),
  version: z.string().nullable(),
  certSerial: z.string(),
  certNotAfter: z.string(),
  certFingerprint: z.string(),
  pairedAt: z.string(),
  lastSeenAt: z.string().nullable(),
  state: z.enum(['active', 'revoked']),
});
export type AgentView = z.infer<typeof AgentViewSchema>;

export const ApprovedSchema = z.object({ agent: AgentViewSchema });
