import { WritError } from '../../core/errors.js';

/**
 * Why the registry refused or failed. Callers branch on these codes (the HTTP API maps the
 * *_NOT_FOUND codes to 404, RECORD_INVALID to 400, REGISTRY_UNAVAILABLE to 503):
 * - SERIAL_REUSED: a certificate with that serial was already recorded; serials are never reused.
 * - AGENT_NOT_FOUND: no agent is registered under that name.
 * - AGENT_REVOKED: the agent was revoked, so it cannot get a new certificate by renewal.
 * - PAIRING_NOT_FOUND: no pairing request has that id (never existed, denied, or purged).
 * - PAIRING_NOT_PENDING: the request was already approved.
 * - PAIRING_EXPIRED: the request's time ran out before it was approved.
 * - PAIRING_CODE_IN_USE: another live pending request shows the same verification code.
 * - FLEET_RUN_NOT_FOUND: no fleet run has that id (or it has no such host).
 * - FLEET_RUN_EXISTS: a fleet run with that id was already recorded.
 * - RECORD_INVALID: a value does not fit the registry (malformed name, serial, address, tag, time).
 * - REGISTRY_UNAVAILABLE: the database cannot be reached, is busy, or the registry is closed.
 * - REGISTRY_INVALID: bad URL or option, or a database that is not a writ registry of a known version.
 */
export type RegistryErrorCode =
  | 'SERIAL_REUSED'
  | 'AGENT_NOT_FOUND'
  | 'AGENT_REVOKED'
  | 'PAIRING_NOT_FOUND'
  | 'PAIRING_NOT_PENDING'
  | 'PAIRING_EXPIRED'
  | 'PAIRING_CODE_IN_USE'
  | 'FLEET_RUN_NOT_FOUND'
  | 'FLEET_RUN_EXISTS'
  | 'RECORD_INVALID'
  | 'REGISTRY_UNAVAILABLE'
  | 'REGISTRY_INVALID';

export class RegistryError extends WritError {
  declare readonly code: RegistryErrorCode;

  // Not useless: it narrows the accepted codes to RegistryErrorCode at every throw site.
  // eslint-disable-next-line @typescript-eslint/no-useless-constructor
  constructor(code: RegistryErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** AGENT_NOT_FOUND, naming the (untrusted, possibly malformed) name safely. */
export function agentNotFound(name: unknown): RegistryError {
  return new RegistryError('AGENT_NOT_FOUND', `no agent ${typeof name === 'string' ? JSON.stringify(name.slice(0, 80)) : typeof name}`);
}
