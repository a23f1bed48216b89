import { TLSSocket } from 'node:tls';
import type { FastifyInstance } from 'fastify';
import { hasUriSubjectAltName } from '../../core/uri-sans.js';

/**
 * Mutual TLS proves only that the client holds *a* certificate of the client CA. The control host's
 * CA also issues every agent's certificate, so chain verification alone would let one agent drive
 * another; the role lives in a URI subjectAltName (`writ:control`), checked here on every request.
 */
export function requireClientUri(app: FastifyInstance, requiredUri: string): void {
  const decisions: Decisions = new WeakMap();
  app.addHook('onRequest', (request, reply, done) => {
    if (clientHasUri(request.raw.socket, requiredUri, decisions)) {
      done();
      return;
    }
    // Before any body is read or any route runs: the request gets nothing but the refusal.
    void reply.code(403).header('connection', 'close').send({ error: { code: 'CLIENT_NOT_CONTROL', message: `the client certificate does not carry URI ${requiredUri}` } });
  });
}

/** The last role decision per connection, with the certificate it was made for. */
type Decisions = WeakMap<TLSSocket, { readonly fingerprint: string; readonly allowed: boolean }>;

/**
 * Decided per request: TLS 1.2 renegotiation can change the peer certificate on a live connection.
 * Reading the SAN from DER costs about half a millisecond, so the answer is kept per connection for
 * as long as the certificate's fingerprint is the same.
 */
function clientHasUri(socket: unknown, requiredUri: string, decisions: Decisions): boolean {
  // Fail closed: a socket that is not TLS, or a client Node did not authorize, has no role at all.
  if (!(socket instanceof TLSSocket) || !socket.authorized) return false;
  const peer = socket.getPeerX509Certificate();
  if (peer === undefined) return false;
  const known = decisions.get(socket);
  if (known?.fingerprint === peer.fingerprint256) return known.allowed;
  // Exact URI entries read from the certificate's DER, never a substring of the display text:
  // "writ:control" is inside "URI:writ:controller" and "URI:x:writ:control", which are not the control host.
  const allowed = hasUriSubjectAltName(peer, requiredUri);
  decisions.set(socket, { fingerprint: peer.fingerprint256, allowed });
  return allowed;
}
