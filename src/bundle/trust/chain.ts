import type { X509Certificate } from 'node:crypto';
import { BundleError } from '../errors.js';
import { keyPolicyViolation } from './signature.js';
import {
  KeyUsageFlags,
  anyExtendedKeyUsage,
  caViolation,
  certProfile,
  id_kp_codeSigning,
  issuerOf,
  signatureAlgorithmViolation,
  subjectOf,
  validityViolation,
} from './x509-profile.js';
import type { CertProfile } from './x509-profile.js';

/**
 * Certificate path validation for code-signing chains: from the signing (leaf) certificate up to one
 * of the operator's trusted CAs.
 *
 * This is deliberately small — no name constraints, policies or online revocation — and refuses
 * certificates that would need them (see x509-profile.ts). Every link is proven twice: OpenSSL's
 * `checkIssued` and `verify(issuer.publicKey)`. `checkIssued` matches names, key identifiers (when
 * both sides carry them), the issuer's keyUsage and the issuer's key type against the signature
 * algorithm, but never the signature itself: a certificate minted by anyone, naming a trusted CA
 * and carrying no key identifier, passes it.
 */

/** Longest path accepted, leaf and anchor included; real code-signing paths have 2 to 4. */
export const MAX_PATH_LENGTH = 6;

/** Extended key usages that allow signing code (RFC 5280 §4.2.1.12). */
const CODE_SIGNING_PURPOSES: ReadonlySet<string> = new Set([id_kp_codeSigning, anyExtendedKeyUsage]);

interface Candidate {
  readonly cert: X509Certificate;
  /** True for a trusted authority: the path ends there. */
  readonly anchor: boolean;
  /** Index in the chain for certificates the chain carries; -1 for authorities. */
  readonly index: number;
}

function untrusted(message: string): never {
  throw new BundleError('UNTRUSTED_SIGNER', message);
}

function profileOf(cert: X509Certificate): CertProfile {
  try {
    return certProfile(cert);
  } catch (err) {
    // A certificate we cannot fully read could hide a constraint; it vouches for nothing.
    return untrusted(`certificate "${subjectOf(cert)}" is unusable: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Validates `chain` (leaf first, then whatever intermediates the signer supplied, in any order) and
 * returns the path leaf..anchor, the anchor being one of `authorities`. Throws BundleError
 * UNTRUSTED_SIGNER with the precise reason otherwise.
 */
export function verifyChain(
  chain: readonly X509Certificate[],
  authorities: readonly X509Certificate[],
  now: Date,
  skewMs: number,
): readonly X509Certificate[] {
  const leaf = chain[0];
  if (leaf === undefined) return untrusted('the certificate chain is empty');
  // A negative or NaN skew would turn every validity comparison false and accept any date.
  if (!Number.isFinite(skewMs) || skewMs < 0) return untrusted(`invalid clock skew ${skewMs}`);
  if (Number.isNaN(now.getTime())) return untrusted('invalid current time');
  // Bounds the signature checks path building does (each step tries every candidate).
  if (chain.length > MAX_PATH_LENGTH) {
    return untrusted(`the chain carries ${chain.length} certificates; at most ${MAX_PATH_LENGTH} are accepted`);
  }
  if (authorities.length === 0) return untrusted('the writ is signed with a certificate but no CA is trusted');
  checkLeaf(leaf, now, skewMs);

  const path: X509Certificate[] = [leaf];
  const used = new Set<number>([0]);
  let current = leaf;
  for (;;) {
    // Caps the path even if every certificate on it is otherwise acceptable.
    if (path.length >= MAX_PATH_LENGTH) {
      return untrusted(`no trusted CA within ${MAX_PATH_LENGTH} certificates of "${subjectOf(leaf)}"`);
    }
    const next = nextIssuer(current, path, chain, used, authorities, now, skewMs);
    path.push(next.cert);
    if (next.anchor) return path;
    used.add(next.index);
    current = next.cert;
  }
}

/** The leaf signs code: it must be an end-entity certificate allowed to make digital signatures for code. */
function checkLeaf(leaf: X509Certificate, now: Date, skewMs: number): void {
  const profile = profileOf(leaf);
  const name = subjectOf(leaf);
  // A CA key signs certificates; letting it sign writs too would let one key compromise serve both roles.
  if (profile.ca) untrusted(`signing certificate "${name}" is a CA certificate; writs must be signed by an end-entity certificate`);
  // keyUsage, when present, is the issuer's limit on what the key may do; plain signing needs digitalSignature.
  if (profile.keyUsage !== undefined && (profile.keyUsage & KeyUsageFlags.digitalSignature) === 0) {
    untrusted(`signing certificate "${name}" keyUsage does not include digitalSignature`);
  }
  // extendedKeyUsage, when present, must allow code signing: a TLS server certificate must not sign code.
  if (profile.extKeyUsage !== undefined && !profile.extKeyUsage.some((oid) => CODE_SIGNING_PURPOSES.has(oid))) {
    untrusted(`signing certificate "${name}" extendedKeyUsage does not include codeSigning`);
  }
  const problem = commonViolation(leaf, profile, now, skewMs, false);
  if (problem !== undefined) untrusted(`signing certificate "${name}": ${problem}`);
}

/** Checks every certificate on the path shares; the anchor's self-signature is not relied on. */
function commonViolation(
  cert: X509Certificate,
  profile: CertProfile,
  now: Date,
  skewMs: number,
  anchor: boolean,
): string | undefined {
  return (
    validityViolation(profile, now, skewMs) ??
    // Unprocessed critical extensions restrict the certificate in ways writ would silently ignore.
    (profile.unhandledCritical.length > 0
      ? `it has critical extension(s) writ does not process: ${profile.unhandledCritical.join(', ')}`
      : undefined) ??
    // Every key on the path must meet the signer key policy: the path is as strong as its weakest key.
    keyPolicyViolation(cert.publicKey) ??
    // A trust anchor is trusted as given; every other certificate's own signature must be sound.
    (anchor ? undefined : signatureAlgorithmViolation(profile))
  );
}

/**
 * Finds the certificate that issued `current`: trusted authorities first (so the path ends as soon as
 * it can), then certificates the chain carries that are not on the path yet (so no loops). Among
 * candidates that did issue it, the first acceptable one wins; if none is acceptable the reason of
 * the first is reported.
 */
function nextIssuer(
  current: X509Certificate,
  path: readonly X509Certificate[],
  chain: readonly X509Certificate[],
  used: ReadonlySet<number>,
  authorities: readonly X509Certificate[],
  now: Date,
  skewMs: number,
): Candidate {
  const candidates: Candidate[] = [
    ...authorities.map((cert) => ({ cert, anchor: true, index: -1 })),
    ...chain.flatMap((cert, index) => (used.has(index) ? [] : [{ cert, anchor: false, index }])),
  ];
  const child = subjectOf(current);
  // Certificates issued below the candidate that are not the leaf: what pathLenConstraint limits.
  const intermediatesBelow = path.length - 1;
  let firstProblem: string | undefined;
  let forged: X509Certificate | undefined;
  let refused: X509Certificate | undefined;
  for (const candidate of candidates) {
    // A certificate already on the path (a duplicate copy in the chain) would only make a loop.
    if (path.some((onPath) => onPath.raw.equals(candidate.cert.raw))) continue;
    if (!current.checkIssued(candidate.cert)) {
      // Same name, yet OpenSSL refuses it (key identifier mismatch, or keyUsage without keyCertSign).
      if (candidate.cert.subject === current.issuer) refused ??= candidate.cert;
      continue;
    }
    // checkIssued compares names, not signatures: anyone can mint a certificate naming a trusted CA.
    if (!current.verify(candidate.cert.publicKey)) {
      forged ??= candidate.cert;
      continue;
    }
    const problem = issuerViolation(candidate, intermediatesBelow, now, skewMs);
    if (problem === undefined) return candidate;
    firstProblem ??= `"${subjectOf(candidate.cert)}" cannot vouch for "${child}": ${problem}`;
  }
  if (firstProblem !== undefined) return untrusted(firstProblem);
  if (forged !== undefined) {
    return untrusted(`the signature on "${child}" does not verify with the key of "${subjectOf(forged)}", although the names match`);
  }
  if (refused !== undefined) {
    return untrusted(`"${subjectOf(refused)}" has the name of the issuer of "${child}" but may not have issued it (key identifier or keyUsage mismatch)`);
  }
  return untrusted(`no trusted CA issued "${child}" (its issuer is "${issuerOf(current)}")`);
}

function issuerViolation(candidate: Candidate, intermediatesBelow: number, now: Date, skewMs: number): string | undefined {
  const profile = profileOf(candidate.cert);
  // Only CAs issue certificates: a leaf the chain carries must not be able to mint further leaves.
  const ca = caViolation(profile);
  if (ca !== undefined) return ca;
  // pathLenConstraint is the issuer's limit on how many CAs may sit below this one.
  if (profile.pathLen !== undefined && intermediatesBelow > profile.pathLen) {
    return `its pathLenConstraint ${profile.pathLen} allows ${profile.pathLen} intermediate CA(s) below it, the path has ${intermediatesBelow}`;
  }
  return commonViolation(candidate.cert, profile, now, skewMs, candidate.anchor);
}
