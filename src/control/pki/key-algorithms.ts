import { generateKeyPairSync, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

/**
 * The key types the control host's PKI accepts, and how each one signs. Only two, both with fixed
 * parameters: nothing to negotiate means nothing to downgrade.
 */
export type PkiKeyType = 'ec-p256' | 'ed25519';
export const PKI_KEY_TYPES: readonly PkiKeyType[] = ['ec-p256', 'ed25519'];

/** ecdsa-with-SHA256 (RFC 5758): parameters absent, signature the DER SEQUENCE { r, s }. */
export const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
/** id-Ed25519 (RFC 8410): parameters absent, signature the raw 64 bytes. */
export const ED25519 = '1.3.101.112';

/** The accepted type of `key` (public or private), or undefined for any other key. */
export function pkiKeyTypeOf(key: KeyObject): PkiKeyType | undefined {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ec-p256';
  return undefined;
}

export function generatePkiKeyPair(type: PkiKeyType): { privateKey: KeyObject; publicKey: KeyObject } {
  return type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

/** Signature algorithm OID for a key of this type. */
export function signatureAlgorithmFor(type: PkiKeyType): string {
  return type === 'ed25519' ? ED25519 : ECDSA_WITH_SHA256;
}

/** Signs `data` with `privateKey`, returning the algorithm OID and the signature as it goes into ASN.1. */
export function signData(privateKey: KeyObject, data: Uint8Array): { algorithm: string; signature: Buffer } {
  const type = pkiKeyTypeOf(privateKey);
  if (type === undefined) throw new Error(`cannot sign with a ${privateKey.asymmetricKeyType ?? 'unknown'} key`);
  // Ed25519 hashes internally (digest null); ECDSA signs SHA-256 and Node emits the DER form by default.
  const signature = sign(type === 'ed25519' ? null : 'sha256', data, privateKey);
  return { algorithm: signatureAlgorithmFor(type), signature };
}

/**
 * True when `signature` over `data` verifies under `publicKey` with `algorithm`. The algorithm must
 * be the one that belongs to the key's type: a signer does not get to pick how it is checked.
 */
export function verifyData(publicKey: KeyObject, algorithm: string, data: Uint8Array, signature: Uint8Array): boolean {
  const type = pkiKeyTypeOf(publicKey);
  if (type === undefined || signatureAlgorithmFor(type) !== algorithm) return false;
  try {
    return verify(type === 'ed25519' ? null : 'sha256', data, { key: publicKey, dsaEncoding: 'der' }, signature);
  } catch {
    // A malformed signature encoding is a failed signature, never an exception that skips the check.
    return false;
  }
}
