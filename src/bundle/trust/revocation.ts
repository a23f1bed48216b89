import { readFileSync, statSync } from 'node:fs';
import { TrustConfigError } from '../errors.js';
import { normalizeSerial } from './fingerprint.js';

/**
 * Keys and certificates the operator has withdrawn trust from, as a plain text file:
 *
 *   # one entry per line; '#' starts a comment
 *   sha256:<64 hex digits>     a key, by keyFingerprint() (any certificate carrying it is revoked too)
 *   serial:<hex>               a certificate, by serial number (leading zeros and ':' ignored)
 *
 * A line that is neither is an error naming file:line, never skipped: a typo in a revocation entry
 * that was silently ignored would leave a compromised key trusted.
 *
 * Serials are matched without their issuer, so a serial revokes every certificate carrying it under
 * any trusted CA. That over-revokes in the rare case two CAs reuse a serial, which fails closed.
 */
export interface RevocationList {
  /** Revoked key fingerprints, `sha256:` + lowercase hex. */
  readonly keys: ReadonlySet<string>;
  /** Revoked certificate serials, normalized as certSerial() prints them. */
  readonly serials: ReadonlySet<string>;
}

export const EMPTY_REVOCATIONS: RevocationList = Object.freeze({
  keys: new Set<string>(),
  serials: new Set<string>(),
});

/** Largest revocation file read (about 100,000 entries); bounds memory when the path is wrong. */
export const MAX_REVOCATION_FILE_BYTES = 8 * 1024 * 1024;

/** Longest serial accepted: RFC 5280 caps serials at 20 octets; a little slack for sign padding. */
const MAX_SERIAL_HEX_DIGITS = 42;

/** Reads a revocation list. Throws TrustConfigError REVOCATION_NOT_FOUND or REVOCATION_INVALID. */
export function loadRevocationList(path: string): RevocationList {
  const text = readRevocationText(path);
  const keys = new Set<string>();
  const serials = new Set<string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const where = `${path}:${index + 1}`;
    const hash = raw.indexOf('#');
    const line = (hash === -1 ? raw : raw.slice(0, hash)).trim();
    if (line === '') return;
    const fingerprint = /^sha256:([0-9a-fA-F]{64})$/.exec(line);
    if (fingerprint !== null) {
      keys.add(`sha256:${(fingerprint[1] ?? '').toLowerCase()}`);
      return;
    }
    if (line.startsWith('serial:')) {
      const serial = parseSerial(line.slice('serial:'.length));
      // A serial that cannot be normalized could never match; say so instead of pretending to revoke.
      if (serial === undefined) throw new TrustConfigError('REVOCATION_INVALID', `${where}: invalid certificate serial "${line}"`);
      serials.add(serial);
      return;
    }
    throw new TrustConfigError(
      'REVOCATION_INVALID',
      `${where}: expected "sha256:<64 hex digits>" or "serial:<hex>", found "${line.slice(0, 80)}"`,
    );
  });
  return { keys, serials };
}

function parseSerial(text: string): string | undefined {
  // Negative serials are not expressible: RFC 5280 requires positive serials, and '-' invites typos.
  if (text.startsWith('-')) return undefined;
  const normalized = normalizeSerial(text);
  // An overlong serial is a paste error (e.g. a fingerprint under the wrong prefix), not a real serial.
  if (normalized === undefined || normalized.length > MAX_SERIAL_HEX_DIGITS) return undefined;
  return normalized;
}

function readRevocationText(path: string): string {
  let size: number;
  let isFile: boolean;
  try {
    const stat = statSync(path);
    size = stat.size;
    isFile = stat.isFile();
  } catch (err) {
    throw new TrustConfigError('REVOCATION_NOT_FOUND', `${path}: cannot read revocation list (${codeOf(err)})`, { cause: err });
  }
  if (!isFile) throw new TrustConfigError('REVOCATION_INVALID', `${path}: not a regular file`);
  // Bounded read: a wrong path must not make writ slurp an arbitrarily large file.
  if (size > MAX_REVOCATION_FILE_BYTES) {
    throw new TrustConfigError('REVOCATION_INVALID', `${path}: larger than ${MAX_REVOCATION_FILE_BYTES} bytes`);
  }
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new TrustConfigError('REVOCATION_NOT_FOUND', `${path}: cannot read revocation list (${codeOf(err)})`, { cause: err });
  }
}

function codeOf(err: unknown): string {
  if (err instanceof Error && 'code' in err && typeof err.code === 'string') return err.code;
  return err instanceof Error ? err.message : String(err);
}
