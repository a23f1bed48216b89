import { createHash, X509Certificate, type KeyObject } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { WritError } from '../../core/errors.js';

/** RFC 5705 / RFC 8446 §7.5 exporter label: keying material unique to one TLS connection. */
export const PAIRING_EXPORTER_LABEL = 'EXPORTER-writ-pairing-v1';
const EXPORTER_BYTES = 32;
/** Crockford's base32: no I, L, O or U, so a code read aloud or copied by hand is hard to get wrong. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 8 characters of base32 = 40 bits: a relay would need ~2^39 live TLS handshakes to match by chance. */
const CODE_CHARS = 8;

export const PAIRING_CODE_PATTERN = /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;

/**
 * The short code both screens show during pairing. It binds three things: the TLS connection the
 * request travelled on (exported keying material, which differs on each side of a relay that
 * terminates TLS), the control host's TLS key, and the agent's key from its certificate request. A
 * relay in the middle has two connections and its own key, so the two screens show different codes.
 */
export function pairingCode(exported: Uint8Array, controlKey: KeyObject, agentKey: KeyObject): string {
  const spki = (key: KeyObject): Buffer => key.export({ type: 'spki', format: 'der' });
  const digest = createHash('sha256')
    .update('writ-pairing-code-v1\0')
    .update(exported)
    .update(createHash('sha256').update(spki(controlKey)).digest())
    .update(createHash('sha256').update(spki(agentKey)).digest())
    .digest();
  let bits = 0n;
  for (const byte of digest.subarray(0, 5)) bits = (bits << 8n) | BigInt(byte);
  let code = '';
  for (let i = CODE_CHARS - 1; i >= 0; i--) code += ALPHABET.charAt(Number((bits >> BigInt(i * 5)) & 31n));
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** Accepts what an operator types: case, spaces and a missing dash do not matter; I/L/O read as 1/1/0. */
export function normalizePairingCode(typed: string): string {
  const cleaned = typed.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
  const code = `${cleaned.slice(0, 4)}-${cleaned.slice(4)}`;
  if (!PAIRING_CODE_PATTERN.test(code)) throw new WritError('PAIRING_CODE_INVALID', `"${typed}" is not a pairing code (8 characters such as 7K3Q-M9XD)`);
  return code;
}

/** This connection's exporter value; both ends of one TLS connection get the same bytes. */
export function exportedKeyingMaterial(socket: TLSSocket): Buffer {
  // Without TLS 1.3 (or 1.2 with extended master secret) the exporter is weaker against a relay.
  if (socket.getProtocol() !== 'TLSv1.3') throw new WritError('PAIRING_TLS_TOO_OLD', `pairing needs TLS 1.3 (the connection is ${socket.getProtocol() ?? 'not TLS'})`);
  // No context: the label alone separates this use of the exporter from any other.
  return socket.exportKeyingMaterial(EXPORTER_BYTES, PAIRING_EXPORTER_LABEL, Buffer.alloc(0));
}

/** The public key of the certificate the peer presented on this connection (the agent's view of the control host). */
export function peerCertificateKey(socket: TLSSocket): KeyObject {
  const raw = socket.getPeerCertificate().raw as Buffer | undefined;
  if (!raw || raw.length === 0) throw new WritError('PAIRING_NO_CERTIFICATE', 'the control host presented no certificate');
  return new X509Certificate(raw).publicKey;
}
