import type { KeyObject, X509Certificate } from 'node:crypto';
import { BundleError } from '../errors.js';
import { verifyChain } from './chain.js';
import { certSerial, keyFingerprint } from './fingerprint.js';
import type { RevocationList } from './revocation.js';
import { verifyDetached } from './signature.js';
import type { TrustStore } from './trust-store.js';
import { subjectOf } from './x509-profile.js';

/**
 * Who signed a writ, once that has been proven: the answer to "may this run?" starts here.
 *
 * Three ways a writ names its signer, strongest binding first:
 *   - a certificate chain: the leaf's key signed the bytes and the chain leads to a trusted CA;
 *   - a signer key: that key signed the bytes and it is one of the pinned keys;
 *   - nothing (a bare `openssl dgst` signature): some pinned key signed the bytes.
 *
 * The order is fixed: signature, then trust, then revocation. The signature comes first so that
 * nothing about an unverified signer (its chain, its name) is trusted or reported as a fact.
 */
export interface SignerIdentity {
  readonly kind: 'key' | 'certificate';
  /** keyFingerprint() of the key that made the signature. */
  readonly fingerprint: string;
  /** Leaf certificate subject (certificate signers only). */
  readonly subject?: string;
  /** Leaf certificate serial, as certSerial() prints it (certificate signers only). */
  readonly serial?: string;
  /** Subject of the trusted CA the chain ended at (certificate signers only). */
  readonly anchor?: string;
}

export interface AuthenticateInput {
  /** The exact bytes that were signed. */
  readonly data: Uint8Array;
  readonly signature: Uint8Array;
  readonly signerKey?: KeyObject | undefined;
  /** Leaf first. */
  readonly chain?: readonly X509Certificate[] | undefined;
}

/**
 * Proves who signed `input.data`. Throws BundleError SIGNATURE_INVALID, UNTRUSTED_SIGNER, REVOKED
 * or MALFORMED.
 */
export function authenticate(
  input: AuthenticateInput,
  trust: TrustStore,
  revocations: RevocationList,
  now: Date,
  skewMs: number,
): SignerIdentity {
  const { data, signature, signerKey, chain } = input;
  // Two signer claims could disagree; refusing is simpler and safer than deciding which one counts.
  if (chain !== undefined && signerKey !== undefined) {
    throw new BundleError('MALFORMED', 'the writ names both a signer key and a certificate chain; give one');
  }
  if (chain !== undefined) return authenticateChain(data, signature, chain, trust, revocations, now, skewMs);
  if (signerKey !== undefined) return authenticateKey(data, signature, signerKey, trust, revocations);
  return authenticateDetached(data, signature, trust, revocations);
}

function authenticateChain(
  data: Uint8Array,
  signature: Uint8Array,
  chain: readonly X509Certificate[],
  trust: TrustStore,
  revocations: RevocationList,
  now: Date,
  skewMs: number,
): SignerIdentity {
  const leaf = chain[0];
  if (leaf === undefined) throw new BundleError('MALFORMED', 'the writ carries an empty certificate chain');
  // (a) The leaf's key must have signed these exact bytes; the chain is meaningless otherwise.
  if (!verifyDetached(data, signature, leaf.publicKey)) {
    throw new BundleError('SIGNATURE_INVALID', `the signature does not verify with the key of certificate "${subjectOf(leaf)}"`);
  }
  // (b) The chain must lead to a CA the operator trusts (verifyChain also reports "no CA is trusted").
  const path = verifyChain(chain, trust.authorities, now, skewMs);
  // (c) Revocation covers the whole path: a withdrawn intermediate or anchor withdraws everything below it.
  for (const cert of path) {
    const serial = certSerial(cert);
    if (revocations.serials.has(serial)) {
      throw new BundleError('REVOKED', `certificate "${subjectOf(cert)}" (serial ${serial}) is revoked`);
    }
    const fingerprint = keyFingerprint(cert.publicKey);
    if (revocations.keys.has(fingerprint)) {
      throw new BundleError('REVOKED', `the key of certificate "${subjectOf(cert)}" (${fingerprint}) is revoked`);
    }
  }
  const anchor = path[path.length - 1] ?? leaf;
  return {
    kind: 'certificate',
    fingerprint: keyFingerprint(leaf.publicKey),
    subject: subjectOf(leaf),
    serial: certSerial(leaf),
    anchor: subjectOf(anchor),
  };
}

function authenticateKey(
  data: Uint8Array,
  signature: Uint8Array,
  signerKey: KeyObject,
  trust: TrustStore,
  revocations: RevocationList,
): SignerIdentity {
  const fingerprint = keyFingerprint(signerKey);
  // (a) The named key must have signed these exact bytes.
  if (!verifyDetached(data, signature, signerKey)) {
    throw new BundleError('SIGNATURE_INVALID', `the signature does not verify with the signer key ${fingerprint}`);
  }
  // (b) A key that signed correctly proves nothing unless the operator pinned it: anyone can make a key.
  if (!trust.keys.some((trusted) => trusted.fingerprint === fingerprint)) {
    throw new BundleError('UNTRUSTED_SIGNER', `the signer key ${fingerprint} is not a trusted key`);
  }
  return checkKeyRevocation(fingerprint, revocations);
}

function authenticateDetached(
  data: Uint8Array,
  signature: Uint8Array,
  trust: TrustStore,
  revocations: RevocationList,
): SignerIdentity {
  // (a)+(b) Only pinned keys are tried, so a key that verifies is trusted by construction.
  const signer = trust.keys.find((trusted) => verifyDetached(data, signature, trusted.key));
  if (signer === undefined) {
    const tried = trust.keys.length === 0 ? 'no public keys are trusted' : `${trust.keys.length} trusted key(s) tried`;
    throw new BundleError('SIGNATURE_INVALID', `no trusted key verifies the signature (${tried})`);
  }
  return checkKeyRevocation(signer.fingerprint, revocations);
}

function checkKeyRevocation(fingerprint: string, revocations: RevocationList): SignerIdentity {
  // (c) A revoked key stays revoked even though its signature is valid and it is still pinned.
  if (revocations.keys.has(fingerprint)) throw new BundleError('REVOKED', `the signer key ${fingerprint} is revoked`);
  return { kind: 'key', fingerprint };
}
