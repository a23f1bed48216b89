import type { Server, TLSSocket } from 'node:tls';
import { messageOf } from '../../core/errors.js';
import { serialHexOf, type RevocationCheck } from './peer-identity.js';

export interface RevocationRefusal {
  /** The client certificate's serial (canonical hex), or null when it could not be read. */
  readonly serial: string | null;
  /** `revoked`, or why revocation could not be checked (then refused all the same). */
  readonly reason: string;
}

type ConnectionListener = (socket: TLSSocket) => void;

/**
 * Refuses, right after the TLS handshake, every client whose certificate chains to our CA but
 * whose serial is revoked (`writ control revoke HOST`). Node has no asynchronous certificate check
 * inside the handshake, so this is the earliest point: the revoked client's next handshake ends in
 * a closed connection, and not one byte of its request is read, let alone authorized or run.
 *
 * It takes over the server's `secureConnection` listeners present now (https.createServer and
 * Fastify register theirs at construction; call this before listen) and hands them each socket only
 * after the check. Clients Node did not authorize pass through unchanged: the server's own
 * `rejectUnauthorized` decides about them (the pairing endpoint serves hosts without certificates).
 */
export function refuseRevokedClients(server: Server, isRevoked: RevocationCheck, onRefused?: (refusal: RevocationRefusal) => void): void {
  const downstream = server.listeners('secureConnection') as ConnectionListener[];
  // Gated, not merely raced: a listener that ran alongside the check would start reading the request.
  server.removeAllListeners('secureConnection');
  const admit = (socket: TLSSocket): void => {
    for (const listener of downstream) listener.call(server, socket);
  };
  const refuse = (socket: TLSSocket, refusal: RevocationRefusal): void => {
    socket.destroy();
    onRefused?.(refusal);
  };
  server.on('secureConnection', (socket: TLSSocket) => {
    if (!socket.authorized) {
      admit(socket);
      return;
    }
    let serial: string | null = null;
    void (async () => {
      try {
        const peer = socket.getPeerX509Certificate();
        // Authorized means Node verified a certificate; without one to read, nothing is known.
        if (peer === undefined) throw new Error('no client certificate to read');
        serial = serialHexOf(peer);
        // Strictly false admits: anything else (true, or undefined from a careless check) refuses.
        const answer: unknown = await isRevoked(serial);
        if (answer !== false) {
          refuse(socket, { serial, reason: 'revoked' });
          return;
        }
      } catch (err) {
        // Fail closed: a registry we cannot ask cannot vouch for the client.
        refuse(socket, { serial, reason: `revocation unknown: ${messageOf(err)}` });
        return;
      }
      // The client may have gone while we asked; a destroyed socket is nobody's to serve.
      if (!socket.destroyed) admit(socket);
    })();
  });
}
