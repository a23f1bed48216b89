import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import { WritError } from '../../core/errors.js';
import { hasUriSubjectAltName } from '../../core/uri-sans.js';
import { CONTROL_URI } from '../pki/names.js';
import { tokenMatches } from './api-token.js';
import { tlsSocketOf } from './tls-socket.js';

const BEARER = /^Bearer ([A-Za-z0-9._~+/=-]{1,512})$/;

/** True when the connection carries a client certificate from our CA that names the control host. */
function hasControlCertificate(socket: TLSSocket): boolean {
  // The server asks for client certificates but does not require them (agents pairing have none),
  // so verification by our CA is read here: `authorized` is false for any other CA or a bad chain.
  if (!socket.authorized) return false;
  const raw = socket.getPeerCertificate().raw as Buffer | undefined;
  if (raw === undefined || raw.length === 0) return false;
  // Every agent holds a certificate from the same CA; only the control host's carries writ:control.
  return hasUriSubjectAltName(new X509Certificate(raw), CONTROL_URI);
}

/**
 * Admits an operator: `Authorization: Bearer <api token>`, or mutual TLS with the control host's
 * certificate. A presented token must be right (a wrong one is refused even on a control-certificate
 * connection: it means someone is guessing). Throws UNAUTHENTICATED otherwise.
 */
export function requireOperator(request: FastifyRequest, token: string): void {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const presented = BEARER.exec(header)?.[1];
    if (presented !== undefined && tokenMatches(presented, token)) return;
    throw new WritError('UNAUTHENTICATED', 'the API token is wrong');
  }
  if (hasControlCertificate(tlsSocketOf(request))) return;
  throw new WritError('UNAUTHENTICATED', 'the operator API needs Authorization: Bearer <token from api.token> or the control certificate');
}

/** Who an admitted operator is, for logs and the auth hook (call after requireOperator). */
export function operatorOf(request: FastifyRequest, token: string): string {
  const presented = BEARER.exec(request.headers.authorization ?? '')?.[1];
  if (presented !== undefined && tokenMatches(presented, token)) return 'api-token';
  return hasControlCertificate(tlsSocketOf(request)) ? 'control-certificate' : 'unknown';
}

/** An `onRequest` hook admitting operators only: a scope that adds it answers nobody else. */
export function operatorOnly(token: string): onRequestHookHandler {
  return (request, _reply, next) => {
    try {
      requireOperator(request, token);
      next();
    } catch (err) {
      next(err as Error);
    }
  };
}
