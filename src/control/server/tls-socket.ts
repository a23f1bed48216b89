import { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import { WritError } from '../../core/errors.js';

/** The TLS connection a request arrived on. The server only speaks HTTPS; anything else is refused, never trusted. */
export function tlsSocketOf(request: FastifyRequest): TLSSocket {
  const socket = request.raw.socket;
  if (!(socket instanceof TLSSocket)) throw new WritError('UNAUTHENTICATED', 'the request did not arrive over TLS');
  return socket;
}
