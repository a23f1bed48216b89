import { WritError, messageOf } from '../../core/errors.js';

/**
 * Why the control host could not complete a call to one agent. Stable codes: callers retry
 * AGENT_UNREACHABLE, alert on the identity and TLS codes, and show AGENT_HTTP_ERROR's agent code.
 */
export type FleetErrorCode =
  /** Connection refused, no route, DNS failure, dropped, or no answer within the timeout. */
  | 'AGENT_UNREACHABLE'
  /** The certificate chains to our CA but is not bound to the registered name we meant to reach. */
  | 'AGENT_IDENTITY_MISMATCH'
  /** The agent's certificate serial is revoked: nothing was sent. */
  | 'AGENT_REVOKED'
  /** The revocation check itself failed (registry down): nothing was sent, as if revoked. */
  | 'AGENT_REVOCATION_UNKNOWN'
  /** Either side refused the TLS handshake (unknown CA, expired, no or wrong client certificate). */
  | 'AGENT_TLS_REFUSED'
  /** The agent answered with a status or a body the call does not expect. */
  | 'AGENT_HTTP_ERROR';

export class FleetError extends WritError {
  declare readonly code: FleetErrorCode;
  /** HTTP status of the agent's answer (AGENT_HTTP_ERROR only). */
  readonly status: number | null;
  /** The agent's own error code from its answer, e.g. CLIENT_NOT_CONTROL (AGENT_HTTP_ERROR only). */
  readonly agentCode: string | null;

  constructor(code: FleetErrorCode, message: string, options: { cause?: unknown; status?: number; agentCode?: string | null } = {}) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status ?? null;
    this.agentCode = options.agentCode ?? null;
  }
}

/** Socket-level failures that mean "no working connection", as opposed to "connected and refused". */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED']);

/** OpenSSL verification results Node reports when the agent's certificate does not chain to our CA. */
const VERIFY_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Any failure of a call to agent `name`, as a FleetError with a stable code. */
export function fleetErrorOf(err: unknown, name: string): FleetError {
  if (err instanceof FleetError) return err;
  const code = (err as NodeJS.ErrnoException | null)?.code ?? '';
  // ERR_SSL_* are OpenSSL's handshake failures and alerts from the peer (e.g. ..._ALERT_UNKNOWN_CA).
  if (code.startsWith('ERR_SSL_') || code === 'EPROTO' || VERIFY_CODES.has(code)) {
    return new FleetError('AGENT_TLS_REFUSED', `agent ${name}: TLS handshake refused (${code}): ${messageOf(err)}`, { cause: err });
  }
  if (UNREACHABLE_CODES.has(code)) return new FleetError('AGENT_UNREACHABLE', `agent ${name} is unreachable (${code}): ${messageOf(err)}`, { cause: err });
  // Fail closed on the unknown: nothing is assumed to have succeeded.
  return new FleetError('AGENT_UNREACHABLE', `agent ${name}: ${messageOf(err)}`, { cause: err });
}
