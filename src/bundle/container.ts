import { createPublicKey, type KeyObject, type X509Certificate } from 'node:crypto';
import { parseCertificate } from './certificates.js';
import { BundleError } from './errors.js';

/**
 * The `.writ` file: one file carrying a bundle, its detached signature and, optionally, who signed
 * it (a public key, or a certificate chain leaf first). It is read BEFORE the signature is checked,
 * so the format is deliberately tiny and strict: a fixed magic, then typed sections each with a
 * 32-bit big-endian length, in a fixed order, ending with an end marker and nothing after it.
 * Every byte is therefore either covered by the signature or changes the parse; there is no padding
 * or slack in which a flipped byte could go unnoticed.
 *
 *   magic   89 57 52 49 54 0D 0A 1A 0A   ("\x89WRIT\r\n\x1a\n": catches text-mode and 7-bit mangling)
 *   version 01
 *   'B' len bundle.tar.gz bytes           (exactly one)
 *   'S' len signature bytes               (exactly one)
 *   'K' len signer public key, SPKI DER   (optional; not with 'C')
 *   'C' len certificate DER               (zero or more, leaf first)
 *   'E' 00 00 00 00                       (end)
 */
export const WRIT_MAGIC = Uint8Array.from([0x89, 0x57, 0x52, 0x49, 0x54, 0x0d, 0x0a, 0x1a, 0x0a]);
export const WRIT_FORMAT_VERSION = 1;

/** A writ as carried: bytes not yet verified. */
export interface SealedWrit {
  readonly bundle: Uint8Array;
  readonly signature: Uint8Array;
  readonly signerKey?: KeyObject;
  readonly chain?: readonly X509Certificate[];
}

/** What the signer side puts in a `.writ` (DER forms, so the file is byte-for-byte reproducible). */
export interface WritParts {
  readonly bundle: Uint8Array;
  readonly signature: Uint8Array;
  readonly signerKeyDer?: Uint8Array;
  readonly chainDer?: readonly Uint8Array[];
}

// Bounds on the unsigned parts: far above any real key or chain, far below anything costly to parse.
const MAX_SIGNATURE_BYTES = 1024;
const MAX_KEY_BYTES = 4096;
const MAX_CERT_BYTES = 16 * 1024;
const MAX_CERTS = 8;

export function isWritFile(bytes: Uint8Array): boolean {
  return bytes.length >= WRIT_MAGIC.length && WRIT_MAGIC.every((b, i) => bytes[i] === b);
}

export function encodeWrit(parts: WritParts): Uint8Array {
  const sections: [string, Uint8Array][] = [['B', parts.bundle], ['S', parts.signature]];
  if (parts.signerKeyDer) sections.push(['K', parts.signerKeyDer]);
  for (const der of parts.chainDer ?? []) sections.push(['C', der]);
  sections.push(['E', new Uint8Array(0)]);
  const size = WRIT_MAGIC.length + 1 + sections.reduce((n, [, b]) => n + 5 + b.length, 0);
  const out = Buffer.alloc(size);
  out.set(WRIT_MAGIC, 0);
  let at = WRIT_MAGIC.length;
  out[at++] = WRIT_FORMAT_VERSION;
  for (const [tag, body] of sections) {
    out[at] = tag.charCodeAt(0);
    out.writeUInt32BE(body.length, at + 1);
    out.set(body, at + 5);
    at += 5 + body.length;
  }
  return out;
}

const malformed = (why: string, cause?: unknown): BundleError =>
  new BundleError('MALFORMED', `not a valid .writ file: ${why}`, cause === undefined ? undefined : { cause });

/** Parses a `.writ` file; `maxBytes` is checked first, before a single byte is interpreted. */
export function decodeWrit(bytes: Uint8Array, maxBytes: number): SealedWrit {
  // Size before anything else: an oversized input is refused without being read further.
  if (bytes.length > maxBytes) throw new BundleError('TOO_LARGE', `writ is ${bytes.length} bytes; the limit is ${maxBytes}`);
  if (!isWritFile(bytes)) throw malformed('missing the writ magic header (a detached bundle needs --bundle and --sig)');
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  let at = WRIT_MAGIC.length;
  // Unknown versions are refused: a newer format may carry constraints this verifier would ignore.
  if (buf[at] !== WRIT_FORMAT_VERSION) throw malformed(`format version ${String(buf[at])} is not supported (expected ${WRIT_FORMAT_VERSION})`);
  at++;
  const seen: { tag: string; body: Uint8Array }[] = [];
  for (;;) {
    if (at + 5 > buf.length) throw malformed('truncated section header');
    const tag = String.fromCharCode(buf[at] ?? 0);
    const length = buf.readUInt32BE(at + 1);
    at += 5;
    if (length > buf.length - at) throw malformed(`section '${tag}' runs past the end of the file`);
    const body = buf.subarray(at, at + length);
    at += length;
    if (tag === 'E') {
      if (length !== 0) throw malformed('end marker carries data');
      break;
    }
    seen.push({ tag, body });
  }
  // Nothing may follow the end marker: appended bytes would be unsigned and unexplained.
  if (at !== buf.length) throw malformed(`${buf.length - at} bytes after the end marker`);
  return sectionsToWrit(seen);
}

function sectionsToWrit(sections: readonly { tag: string; body: Uint8Array }[]): SealedWrit {
  const [bundle, signature, ...rest] = sections;
  // A fixed order makes every layout unique: no duplicate or reordered sections to reason about.
  if (bundle?.tag !== 'B') throw malformed("the first section must be the bundle ('B')");
  if (signature?.tag !== 'S') throw malformed("the second section must be the signature ('S')");
  if (signature.body.length === 0 || signature.body.length > MAX_SIGNATURE_BYTES) throw malformed(`signature of ${signature.body.length} bytes`);
  const keys = rest.filter((s) => s.tag === 'K');
  const certs = rest.filter((s) => s.tag === 'C');
  if (keys.length + certs.length !== rest.length) throw malformed(`unknown section '${rest.find((s) => s.tag !== 'K' && s.tag !== 'C')?.tag ?? '?'}'`);
  if (keys.length > 1 || (keys.length === 1 && certs.length > 0) || (keys.length === 1 && rest[0]?.tag !== 'K')) {
    throw malformed('a writ names its signer once: one public key or one certificate chain');
  }
  if (certs.length > MAX_CERTS) throw malformed(`${certs.length} certificates; at most ${MAX_CERTS}`);
  const out: { bundle: Uint8Array; signature: Uint8Array; signerKey?: KeyObject; chain?: X509Certificate[] } = {
    bundle: bundle.body,
    signature: signature.body,
  };
  const key = keys[0];
  if (key) out.signerKey = parseSignerKey(key.body);
  if (certs.length > 0) out.chain = certs.map((c, i) => parseChainCertificate(c.body, i));
  return out;
}

function parseSignerKey(der: Uint8Array): KeyObject {
  if (der.length > MAX_KEY_BYTES) throw malformed(`signer key of ${der.length} bytes`);
  try {
    const key = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
    // Re-encoding must give back the same bytes: no trailing data or alternative encodings accepted.
    if (!key.export({ format: 'der', type: 'spki' }).equals(der)) throw new Error('non-canonical key encoding');
    return key;
  } catch (err) {
    throw malformed('signer public key is not valid SPKI DER', err);
  }
}

function parseChainCertificate(der: Uint8Array, index: number): X509Certificate {
  if (der.length > MAX_CERT_BYTES) throw malformed(`certificate ${index} is ${der.length} bytes`);
  try {
    const cert = parseCertificate(Buffer.from(der));
    // Same rule as for keys: trailing or non-canonical bytes would be an unsigned hiding place.
    if (!cert.raw.equals(der)) throw new Error('certificate has trailing bytes');
    return cert;
  } catch (err) {
    throw malformed(`certificate ${index} is not valid DER X.509`, err);
  }
}
