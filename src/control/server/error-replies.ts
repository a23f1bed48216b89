import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { WritError } from '../../core/errors.js';
import type { ControlLogger } from './logger.js';

/** HTTP status of each error code the API answers with; codes not listed are internal (500). */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  REQUEST_INVALID: 400,
  CSR_INVALID: 400,
  PAIRING_NAME_MISMATCH: 400,
  PAIRING_CODE_INVALID: 400,
  RECORD_INVALID: 400,
  OPTION_INVALID: 400,
  TARGET_INVALID: 400,
  TARGET_EMPTY: 400,
  UNAUTHENTICATED: 401,
  AUTH_HOOK_DENIED: 403,
  TARGET_UNKNOWN: 404,
  TARGET_REVOKED: 409,
  PAIRING_CLOSED: 403,
  PAIRING_NOT_FOUND: 404,
  PAIRING_EXPIRED: 404,
  AGENT_NOT_FOUND: 404,
  FLEET_RUN_NOT_FOUND: 404,
  PAIRING_NOT_PENDING: 409,
  PAIRING_INCOMPLETE: 409,
  PAIRING_CODE_IN_USE: 409,
  AGENT_REVOKED: 409,
  // The control host reached the agent (or tried) and the agent's side failed: a bad gateway.
  AGENT_UNREACHABLE: 502,
  AGENT_TLS_REFUSED: 502,
  AGENT_IDENTITY_MISMATCH: 502,
  AGENT_HTTP_ERROR: 502,
  AGENT_REVOCATION_UNKNOWN: 503,
  RENEWAL_PROOF_INVALID: 502,
  RENEWAL_FAILED: 502,
  PAIRING_BUSY: 503,
  REGISTRY_UNAVAILABLE: 503,
};

/** Every error answer of the API, whatever the route: a stable code and a message for people. */
export const ErrorAnswerSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
export type ErrorAnswer = z.infer<typeof ErrorAnswerSchema>;

/** The status the API answers `code` with; INTERNAL for a code not listed (so the route doc can say which status each code brings). */
export function statusOfErrorCode(code: string): number {
  return STATUS_BY_CODE[code] ?? 500;
}

export function sendError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  const answer: ErrorAnswer = { error: { code, message } };
  return reply.code(status).send(answer);
}

/**
 * Every failure becomes `{ error: { code, message } }`. WritErrors with a known code keep it; anything
 * else is answered as INTERNAL without its message (which may describe the host's internals) and logged.
 */
export function installErrorHandler(app: FastifyInstance, log: ControlLogger): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof WritError && STATUS_BY_CODE[err.code] !== undefined) {
      return sendError(reply, STATUS_BY_CODE[err.code] ?? 500, err.code, err.message);
    }
    // Fastify's own refusals (malformed JSON, body too large, wrong content type) are the client's fault.
    if (!(err instanceof WritError) && typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return sendError(reply, err.statusCode, 'REQUEST_INVALID', err.message);
    }
    log.error({ event: 'request.failed', method: request.method, url: request.url, code: err instanceof WritError ? err.code : null, message: err.message });
    return sendError(reply, 500, 'INTERNAL', 'the control host failed to handle the request; see its log');
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, 404, 'NOT_FOUND', `no route ${request.method} ${request.url.slice(0, 200)}`));
}
