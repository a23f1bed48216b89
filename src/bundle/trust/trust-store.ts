import { X509Certificate, createPublicKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { join } from 'node:path';
import { TrustConfigError } from '../errors.js';
import { keyFingerprint } from './fingerprint.js';
import { keyPolicyViolation } from './signature.js';
import { caViolation, certProfile, subjectOf } from './x509-profile.js';

/**
 * What the operator trusts: pinned signer public keys and CA certificates (trust anchors).
 *
 * Trust files are PEM. A file may hold several blocks; a directory contributes its `*.pem` files
 * (not recursively, in sorted order so the result never depends on directory listing order).
 * Every problem is fatal and names the file: a trust configuration that is half-loaded would
 * silently trust less — or, worse, something other — than the operator wrote down.
 */

export interface TrustedKey {
  readonly key: KeyObject;
  readonly fingerprint: string;
  /** Where the key came from: the file, plus `#n` (1-based PEM block) when the file holds several blocks. */
  readonly source: string;
}

export interface TrustStore {
  readonly keys: readonly TrustedKey[];
  readonly authorities: readonly X509Certificate[];
}

/** Most `*.pem` files one directory may contribute; a bigger directory is more likely a mistake than a trust set. */
export const MAX_TRUST_FILES = 1000;

/** Largest trust file read; a CA bundle is far smaller, and this bounds memory on a wrong path (/dev/zero). */
export const MAX_TRUST_FILE_BYTES = 4 * 1024 * 1024;

interface PemBlock {
  readonly label: string;
  /** The base64 body with whitespace removed, still undecoded. */
  readonly body: string;
}

/** Loads every path (file or directory). Throws TrustConfigError TRUST_NOT_FOUND or TRUST_INVALID. */
export function loadTrust(paths: readonly string[]): TrustStore {
  const keys: TrustedKey[] = [];
  const authorities: X509Certificate[] = [];
  const seenKeys = new Set<string>();
  const seenCerts = new Set<string>();
  if (paths.length === 0) throw new TrustConfigError('TRUST_INVALID', 'no trust file or directory was given');
  for (const path of paths) {
    let added = 0;
    for (const file of trustFiles(path)) {
      const entries = loadTrustFile(file);
      for (const key of entries.keys) {
        added += 1;
        // Pinning one key twice (e.g. as PEM and as RSA PUBLIC KEY) is harmless; keep the first source.
        if (seenKeys.has(key.fingerprint)) continue;
        seenKeys.add(key.fingerprint);
        keys.push(key);
      }
      for (const cert of entries.authorities) {
        added += 1;
        const der = cert.raw.toString('base64');
        if (seenCerts.has(der)) continue;
        seenCerts.add(der);
        authorities.push(cert);
      }
    }
    // A path that contributes nothing is a misconfiguration the operator should hear about, by name.
    if (added === 0) throw new TrustConfigError('TRUST_INVALID', `${path}: no trusted keys or CA certificates found`);
  }
  return { keys, authorities };
}

/** The files a trust path stands for: itself, or the sorted `*.pem` regular files directly inside it. */
function trustFiles(path: string): string[] {
  const stat = statOrThrow(path);
  if (stat.isFile()) return [path];
  if (!stat.isDirectory()) throw new TrustConfigError('TRUST_INVALID', `${path}: not a regular file or directory`);
  let names: string[];
  try {
    names = readdirSync(path);
  } catch (err) {
    throw new TrustConfigError('TRUST_NOT_FOUND', `${path}: cannot list directory (${codeOf(err)})`, { cause: err });
  }
  // Code-unit order, not locale order, so every machine loads the same files in the same order.
  const pem = names.filter((name) => name.endsWith('.pem')).sort();
  // Refuse rather than truncate: silently dropping files would trust an arbitrary subset.
  if (pem.length > MAX_TRUST_FILES) {
    throw new TrustConfigError('TRUST_INVALID', `${path}: more than ${MAX_TRUST_FILES} .pem files`);
  }
  // Follows symlinks (hash-named links are common in CA directories); subdirectories are skipped.
  return pem.map((name) => join(path, name)).filter((file) => statOrThrow(file).isFile());
}

function statOrThrow(path: string): Stats {
  try {
    return statSync(path);
  } catch (err) {
    throw new TrustConfigError('TRUST_NOT_FOUND', `${path}: cannot read trust (${codeOf(err)})`, { cause: err });
  }
}

function loadTrustFile(file: string): { keys: TrustedKey[]; authorities: X509Certificate[] } {
  const text = readText(file);
  const blocks = pemBlocks(text, file);
  if (blocks.length === 0) throw new TrustConfigError('TRUST_INVALID', `${file}: no PEM blocks found`);
  // Private keys do not belong in trust; finding one means it has been copied somewhere it may leak.
  if (blocks.some((block) => block.label.includes('PRIVATE KEY'))) {
    throw new TrustConfigError('TRUST_INVALID', `${file}: contains a private key; trust files hold public keys and CA certificates only`);
  }
  const keys: TrustedKey[] = [];
  const authorities: X509Certificate[] = [];
  blocks.forEach((block, index) => {
    const where = blocks.length > 1 ? `${file}#${index + 1}` : file;
    if (block.label === 'PUBLIC KEY' || block.label === 'RSA PUBLIC KEY') {
      const key = parseKey(block, where);
      keys.push({ key, fingerprint: keyFingerprint(key), source: where });
    } else if (block.label === 'CERTIFICATE') {
      authorities.push(parseAuthority(block, where));
    } else {
      // Unknown blocks (X509 CRL, TRUSTED CERTIFICATE, ...) are refused rather than skipped: skipping would hide a mistake.
      throw new TrustConfigError('TRUST_INVALID', `${where}: unsupported PEM block "${block.label}"`);
    }
  });
  return { keys, authorities };
}

function readText(file: string): string {
  const stat = statOrThrow(file);
  // Bounded read: a trust path pointing at a huge or endless file must not exhaust memory.
  if (stat.size > MAX_TRUST_FILE_BYTES) {
    throw new TrustConfigError('TRUST_INVALID', `${file}: larger than ${MAX_TRUST_FILE_BYTES} bytes`);
  }
  try {
    return readFileSync(file, 'latin1');
  } catch (err) {
    throw new TrustConfigError('TRUST_NOT_FOUND', `${file}: cannot read trust (${codeOf(err)})`, { cause: err });
  }
}

/** PEM blocks in `text`; text between blocks (e.g. `openssl x509 -text` output) is ignored. */
function pemBlocks(text: string, file: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;
  for (const match of text.matchAll(re)) {
    const [, label = '', body = '', endLabel = ''] = match;
    // A mismatched END marker means a truncated or spliced file; guessing which block was meant is unsafe.
    if (label !== endLabel) throw new TrustConfigError('TRUST_INVALID', `${file}: PEM block "${label}" ends with "${endLabel}"`);
    blocks.push({ label, body: body.replace(/\s+/g, '') });
  }
  return blocks;
}

function decode(block: PemBlock, where: string): Buffer {
  // Buffer.from silently skips non-base64 characters; refuse them so what we parse is what the file says.
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(block.body) || block.body.length % 4 !== 0) {
    throw new TrustConfigError('TRUST_INVALID', `${where}: ${block.label} block is not valid base64`);
  }
  return Buffer.from(block.body, 'base64');
}

function parseKey(block: PemBlock, where: string): KeyObject {
  const der = decode(block, where);
  let key: KeyObject;
  try {
    key = createPublicKey({ key: der, format: 'der', type: block.label === 'RSA PUBLIC KEY' ? 'pkcs1' : 'spki' });
  } catch (err) {
    throw new TrustConfigError('TRUST_INVALID', `${where}: unreadable ${block.label} block`, { cause: err });
  }
  const problem = keyPolicyViolation(key);
  // A trusted key writ would never accept a signature from is a configuration error, not a silent no-op.
  if (problem !== undefined) throw new TrustConfigError('TRUST_INVALID', `${where}: ${problem}`);
  return key;
}

function parseAuthority(block: PemBlock, where: string): X509Certificate {
  const der = decode(block, where);
  let cert: X509Certificate;
  let problem: string | undefined;
  try {
    cert = new X509Certificate(der);
    problem = caViolation(certProfile(cert));
  } catch (err) {
    throw new TrustConfigError('TRUST_INVALID', `${where}: unreadable CERTIFICATE block`, { cause: err });
  }
  // A trusted end-entity certificate would otherwise act as an anchor and vouch for whatever names it.
  if (problem !== undefined) {
    throw new TrustConfigError(
      'TRUST_INVALID',
      `${where}: "${subjectOf(cert)}" is not a CA certificate (${problem}); to pin a signer, give its public key`,
    );
  }
  const keyProblem = keyPolicyViolation(cert.publicKey);
  // An anchor with a weak key is only as strong as that key; refuse it where the operator can see why.
  if (keyProblem !== undefined) throw new TrustConfigError('TRUST_INVALID', `${where}: CA certificate "${subjectOf(cert)}": ${keyProblem}`);
  return cert;
}

function codeOf(err: unknown): string {
  if (err instanceof Error && 'code' in err && typeof err.code === 'string') return err.code;
  return err instanceof Error ? err.message : String(err);
}
