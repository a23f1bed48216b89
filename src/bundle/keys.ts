import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { parseCertificate, pemCertificateBlocks } from './certificates.js';
import { TrustConfigError } from './errors.js';

export type SigningKeyType = 'ed25519' | 'ec' | 'rsa';
export const SIGNING_KEY_TYPES: readonly SigningKeyType[] = ['ed25519', 'ec', 'rsa'];

/** `key.pem` -> `key.pub.pem`: the public half sits beside the private one. */
export function publicKeyPathFor(privatePath: string): string {
  return privatePath.endsWith('.pem') ? `${privatePath.slice(0, -4)}.pub.pem` : `${privatePath}.pub.pem`;
}

/** A new signing key pair as PEM: PKCS#8 private, SPKI public; the same forms openssl writes. */
export function generateSigningKey(type: SigningKeyType): { privatePem: string; publicPem: string } {
  const publicKeyEncoding = { type: 'spki', format: 'pem' } as const;
  const privateKeyEncoding = { type: 'pkcs8', format: 'pem' } as const;
  const pair =
    type === 'ed25519'
      ? generateKeyPairSync('ed25519', { publicKeyEncoding, privateKeyEncoding })
      : type === 'ec'
        ? generateKeyPairSync('ec', { namedCurve: 'prime256v1', publicKeyEncoding, privateKeyEncoding })
        : generateKeyPairSync('rsa', { modulusLength: 3072, publicKeyEncoding, privateKeyEncoding });
  return { privatePem: pair.privateKey, publicPem: pair.publicKey };
}

/**
 * Writes the pair; the private key is created with mode 0600 and O_EXCL, so it is never readable by
 * others, not even for a moment, and an existing key is never overwritten unless `force` is set.
 */
export function writeSigningKey(privatePath: string, type: SigningKeyType, force: boolean): { privatePath: string; publicPath: string; fingerprintSource: KeyObject } {
  const { privatePem, publicPem } = generateSigningKey(type);
  const publicPath = publicKeyPathFor(privatePath);
  writeNew(privatePath, privatePem, 0o600, force);
  writeNew(publicPath, publicPem, 0o644, force);
  return { privatePath, publicPath, fingerprintSource: createPublicKey(publicPem) };
}

function writeNew(path: string, text: string, mode: number, force: boolean): void {
  let fd: number;
  try {
    fd = openSync(path, force ? 'w' : 'wx', mode);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    if (code === 'EEXIST') throw new TrustConfigError('KEY_EXISTS', `${path} exists; refusing to overwrite a key (use --force)`);
    throw new TrustConfigError('KEY_WRITE_FAILED', `${path}: cannot write: ${code}`);
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new TrustConfigError('KEY_NOT_FOUND', `${path}: cannot read ${what}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** Loads a private key in any PEM form openssl writes (PKCS#8, PKCS#1 RSA, SEC1 EC). */
export function loadPrivateKey(path: string): KeyObject {
  const pem = readText(path, 'private key');
  if (pem.includes('ENCRYPTED')) throw new TrustConfigError('KEY_ENCRYPTED', `${path}: the key is encrypted; decrypt it (openssl pkey -in ${path} -out plain.pem) or use an unencrypted key`);
  try {
    return createPrivateKey(pem);
  } catch (err) {
    throw new TrustConfigError('KEY_INVALID', `${path}: not a PEM private key`, { cause: err });
  }
}

/** Reads a PEM certificate chain (leaf first) as DER, checking the leaf belongs to `privateKey`. */
export function loadSignerChain(path: string, privateKey: KeyObject): Uint8Array[] {
  const pem = readText(path, 'certificate chain');
  const blocks = pemCertificateBlocks(pem);
  if (blocks.length === 0) throw new TrustConfigError('CERT_INVALID', `${path}: no PEM certificate found`);
  const certs = blocks.map((block, i) => {
    try {
      return parseCertificate(block);
    } catch (err) {
      throw new TrustConfigError('CERT_INVALID', `${path}: certificate ${i + 1} does not parse`, { cause: err });
    }
  });
  const leaf = certs[0];
  // Sealing with a key the leaf does not certify would make a writ every verifier refuses.
  if (!leaf?.checkPrivateKey(privateKey)) throw new TrustConfigError('KEY_CERT_MISMATCH', `${path}: the first certificate is not for the signing key`);
  return certs.map((c) => new Uint8Array(c.raw));
}
