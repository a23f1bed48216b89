import { constants, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { TrustConfigError } from '../errors.js';

/**
 * Detached signatures over a bundle's exact bytes, in the formats the `openssl` command line makes,
 * so an operator can seal a bundle without writ installed:
 *
 *   RSA, EC:  openssl dgst -sha256 -sign private.pem -out bundle.sig bundle.tar.gz
 *   Ed25519:  openssl pkeyutl -sign -rawin -inkey private.pem -in bundle.tar.gz -out bundle.sig
 *
 * (OpenSSL 3.0's `dgst` cannot sign with Ed25519 — "Key type not supported for this operation" — so
 * Ed25519 goes through `pkeyutl -rawin`, which signs the whole message as Ed25519 requires.)
 *
 * The algorithm is always derived from the key, never from the bundle: a signature format chosen by
 * the sender would let an attacker pick the weakest verifier writ has.
 */

/** Smallest RSA modulus accepted; below this a key is factorable by a determined attacker. */
export const MIN_RSA_BITS = 2048;

/** EC curves accepted, as Node names them. Others are either weak or not what `openssl dgst` pairs with SHA-256. */
const ACCEPTED_CURVES: ReadonlySet<string> = new Set(['prime256v1', 'secp384r1']);

/**
 * Why `key` may not sign or verify writs, or undefined when it may. One policy shared by signature
 * checks, trust loading and chain validation so that no path accepts a key another path refuses.
 */
export function keyPolicyViolation(key: KeyObject): string | undefined {
  if (key.type === 'secret') return 'a secret (symmetric) key cannot make or check signatures';
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  switch (type) {
    case 'rsa': {
      const bits = details.modulusLength ?? 0;
      // Short RSA moduli are factorable; the floor follows current NIST guidance.
      if (bits < MIN_RSA_BITS) return `RSA key of ${bits} bits is too short (at least ${MIN_RSA_BITS} required)`;
      return undefined;
    }
    case 'ec': {
      const curve = details.namedCurve ?? 'unknown';
      // Only curves with a vetted security level; exotic curves invite invalid-curve and weak-curve attacks.
      if (!ACCEPTED_CURVES.has(curve)) return `EC curve ${curve} is not accepted (use P-256 or P-384)`;
      return undefined;
    }
    case 'ed25519':
      return undefined;
    default:
      // Refuse everything else (rsa-pss, dsa, ed448, x25519, ...) rather than guess a signature format.
      return `${type ?? 'unknown'} keys are not accepted (use RSA >= ${MIN_RSA_BITS} bits, EC P-256/P-384 or Ed25519)`;
  }
}

/** The digest argument `crypto.sign`/`crypto.verify` need for an accepted key: SHA-256, or none for Ed25519. */
function digestFor(key: KeyObject): 'sha256' | null {
  return key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
}

/** Signing/verifying options pinned to the `openssl dgst` formats so Node's defaults can never drift. */
function keyInput(key: KeyObject): { key: KeyObject; padding?: number; dsaEncoding?: 'der' } {
  // PKCS#1 v1.5 is what `openssl dgst -sign` makes with an RSA key; pinning it refuses PSS look-alikes.
  if (key.asymmetricKeyType === 'rsa') return { key, padding: constants.RSA_PKCS1_PADDING };
  // `openssl dgst` writes ECDSA signatures as DER SEQUENCE{r, s}, not the raw r||s form.
  if (key.asymmetricKeyType === 'ec') return { key, dsaEncoding: 'der' };
  return { key };
}

/**
 * True when `signature` is a valid signature of exactly `data` by `key`. Returns false, never throws,
 * for malformed signatures and for keys the policy refuses, so callers have one failure path.
 */
export function verifyDetached(data: Uint8Array, signature: Uint8Array, key: KeyObject): boolean {
  // Only a public key verifies: a private key here means a configuration mix-up we should not paper over.
  if (key.type !== 'public') return false;
  // A refused key type must not verify anything, even a signature that is mathematically valid.
  if (keyPolicyViolation(key) !== undefined) return false;
  try {
    return verify(digestFor(key), data, keyInput(key), signature);
  } catch {
    // OpenSSL throws on some malformed encodings (bad DER, wrong length); that is just "not valid".
    return false;
  }
}

/**
 * Signs `data` with `privateKey` in the same format `verifyDetached` checks (used by `writ seal`).
 * Throws TrustConfigError KEY_INVALID when the key is not an accepted private key.
 */
export function signDetached(data: Uint8Array, privateKey: KeyObject): Uint8Array {
  if (privateKey.type !== 'private') {
    throw new TrustConfigError('KEY_INVALID', 'signing needs a private key');
  }
  const problem = keyPolicyViolation(privateKey);
  // Never produce a signature that every verifier will refuse: fail at seal time instead.
  if (problem !== undefined) throw new TrustConfigError('KEY_INVALID', `cannot sign: ${problem}`);
  return new Uint8Array(sign(digestFor(privateKey), data, keyInput(privateKey)));
}
