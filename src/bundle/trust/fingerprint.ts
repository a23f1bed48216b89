import { createHash, createPublicKey } from 'node:crypto';
import type { KeyObject, X509Certificate } from 'node:crypto';

/**
 * Stable names for keys and certificates, used to pin trusted keys and to revoke them.
 *
 * A key is named by the SHA-256 of its SubjectPublicKeyInfo DER: the same key reaches writ as a PEM
 * file, an `RSA PUBLIC KEY` block or inside a certificate, and all of these must yield one name, so
 * a revocation entry cannot be dodged by re-encoding the key.
 */
export function keyFingerprint(key: KeyObject): string {
  // A private key is named by its public half, so a key pair has one name whichever half is at hand.
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

/**
 * Canonical spelling of a certificate serial number: uppercase hex without leading zeros (`0` for
 * zero). OpenSSL prints serials with a leading zero nibble or a sign-padding `00` byte depending on
 * the tool, and a revocation entry must match whichever spelling the operator copied.
 */
export function certSerial(cert: X509Certificate): string {
  // Node reports the serial as OpenSSL's BN_bn2hex: uppercase, whole bytes, '-' for negative serials.
  const normalized = normalizeSerial(cert.serialNumber);
  // A serial Node prints can always be normalized; anything else means the binding changed under us.
  if (normalized === undefined) throw new Error(`unexpected serial number format: ${cert.serialNumber}`);
  return normalized;
}

/**
 * Normalizes a hex serial (optionally `:`-separated, as `openssl x509 -text` prints it, and optionally
 * negative, which RFC 5280 forbids but parsers accept). Returns undefined when `text` is not hex.
 */
export function normalizeSerial(text: string): string | undefined {
  const negative = text.startsWith('-');
  const digits = (negative ? text.slice(1) : text).replaceAll(':', '');
  // Only plain hex digits: anything else would make two spellings of one serial compare unequal.
  if (!/^[0-9a-fA-F]+$/.test(digits)) return undefined;
  const trimmed = digits.replace(/^0+/, '').toUpperCase();
  if (trimmed === '') return '0';
  return negative ? `-${trimmed}` : trimmed;
}
