import type { X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  KeyUsage,
  KeyUsageFlags,
  anyExtendedKeyUsage,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_issuerAltName,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_kp_codeSigning,
} from '@peculiar/asn1-x509';

/**
 * The parts of a certificate writ's trust decisions rest on, parsed from its DER.
 *
 * Node's X509Certificate exposes names, dates as display strings, `ca` and — misleadingly named
 * `keyUsage` — the *extended* key usage, but neither the KeyUsage bits nor pathLenConstraint, nor
 * which extensions are critical. Those come from @peculiar/asn1-x509, reading the same DER bytes
 * (`cert.raw`) that OpenSSL verified, so both views describe one certificate.
 */
export interface CertProfile {
  /** basicConstraints cA; false when the extension is absent. */
  readonly ca: boolean;
  /** basicConstraints pathLenConstraint, when present. */
  readonly pathLen: number | undefined;
  /** KeyUsage as a KeyUsageFlags bit mask, or undefined when the extension is absent. */
  readonly keyUsage: number | undefined;
  /** ExtendedKeyUsage purpose OIDs, or undefined when the extension is absent. */
  readonly extKeyUsage: readonly string[] | undefined;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** OID of the algorithm the issuer signed this certificate with. */
  readonly signatureAlgorithm: string;
  /** OIDs of critical extensions writ does not process. */
  readonly unhandledCritical: readonly string[];
}

export { KeyUsageFlags, anyExtendedKeyUsage, id_kp_codeSigning };

/**
 * Extensions whose meaning writ either enforces (KU, BC, EKU) or that carry no constraint (key
 * identifiers, alternative names). A critical extension outside this set — name constraints, policy
 * constraints, ... — restricts what the certificate may vouch for in a way writ does not check, and
 * RFC 5280 §4.2 requires refusing such a certificate rather than ignoring the restriction.
 */
const HANDLED_EXTENSIONS: ReadonlySet<string> = new Set([
  id_ce_keyUsage,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_subjectKeyIdentifier,
  id_ce_authorityKeyIdentifier,
  id_ce_subjectAltName,
  id_ce_issuerAltName,
]);

/**
 * Certificate signature algorithms writ relies on. MD5 and SHA-1 signatures can be forged by
 * collision, so a certificate signed that way proves nothing about its issuer; RSA-PSS is left out
 * because its parameters may name SHA-1 and writ does not parse them.
 */
const ACCEPTED_SIGNATURE_ALGORITHMS: ReadonlySet<string> = new Set([
  '1.2.840.113549.1.1.11', // sha256WithRSAEncryption
  '1.2.840.113549.1.1.12', // sha384WithRSAEncryption
  '1.2.840.113549.1.1.13', // sha512WithRSAEncryption
  '1.2.840.10045.4.3.2', // ecdsa-with-SHA256
  '1.2.840.10045.4.3.3', // ecdsa-with-SHA384
  '1.2.840.10045.4.3.4', // ecdsa-with-SHA512
  '1.3.101.112', // Ed25519
]);

const profiles = new WeakMap<X509Certificate, CertProfile>();

/**
 * Parses the profile of `cert` (cached per object). Throws an Error whose message says what is wrong
 * when the DER does not parse or an extension is malformed or repeated; callers wrap it in their own
 * error type.
 */
export function certProfile(cert: X509Certificate): CertProfile {
  const cached = profiles.get(cert);
  if (cached !== undefined) return cached;
  const profile = parseProfile(cert);
  profiles.set(cert, profile);
  return profile;
}

function parseProfile(cert: X509Certificate): CertProfile {
  let parsed: Certificate;
  try {
    parsed = AsnConvert.parse(cert.raw, Certificate);
  } catch (err) {
    throw new Error('its DER does not parse as an X.509 certificate', { cause: err });
  }
  const tbs = parsed.tbsCertificate;
  let ca = false;
  let pathLen: number | undefined;
  let keyUsage: number | undefined;
  let extKeyUsage: string[] | undefined;
  const unhandledCritical: string[] = [];
  const seen = new Set<string>();
  const extensions = tbs.extensions === undefined ? [] : [...tbs.extensions];
  for (const ext of extensions) {
    // RFC 5280 forbids repeats; two parsers may pick different copies, so a repeat is refused outright.
    if (seen.has(ext.extnID)) throw new Error(`it repeats extension ${ext.extnID}`);
    seen.add(ext.extnID);
    try {
      if (ext.extnID === id_ce_basicConstraints) {
        const bc = AsnConvert.parse(ext.extnValue, BasicConstraints);
        ca = bc.cA;
        pathLen = bc.pathLenConstraint;
      } else if (ext.extnID === id_ce_keyUsage) {
        keyUsage = AsnConvert.parse(ext.extnValue, KeyUsage).toNumber();
      } else if (ext.extnID === id_ce_extKeyUsage) {
        extKeyUsage = [...AsnConvert.parse(ext.extnValue, ExtendedKeyUsage)];
      }
    } catch (err) {
      // A constraint we cannot read must not be treated as absent, which would mean "unconstrained".
      throw new Error(`its extension ${ext.extnID} is malformed`, { cause: err });
    }
    if (ext.critical && !HANDLED_EXTENSIONS.has(ext.extnID)) unhandledCritical.push(ext.extnID);
  }
  return {
    ca,
    pathLen,
    keyUsage,
    extKeyUsage,
    notBefore: tbs.validity.notBefore.getTime(),
    notAfter: tbs.validity.notAfter.getTime(),
    signatureAlgorithm: parsed.signatureAlgorithm.algorithm,
    unhandledCritical,
  };
}

/** Why `profile` does not describe a CA allowed to sign certificates, or undefined when it does. */
export function caViolation(profile: CertProfile): string | undefined {
  // Only an explicit cA=true makes a CA; otherwise any end-entity key holder could mint certificates.
  if (!profile.ca) return 'basicConstraints cA is not true';
  // A CA whose key usage excludes certificate signing has been restricted to other duties by its issuer.
  if (profile.keyUsage !== undefined && (profile.keyUsage & KeyUsageFlags.keyCertSign) === 0) {
    return 'keyUsage does not include keyCertSign';
  }
  return undefined;
}

/** Why the certificate's own signature algorithm is not relied on, or undefined when it is acceptable. */
export function signatureAlgorithmViolation(profile: CertProfile): string | undefined {
  // A collision-prone digest lets a forger transplant a CA's signature onto a certificate it never issued.
  if (!ACCEPTED_SIGNATURE_ALGORITHMS.has(profile.signatureAlgorithm)) {
    return `it is signed with algorithm ${profile.signatureAlgorithm}, which writ does not accept`;
  }
  return undefined;
}

/** Why the certificate is outside its validity period at `now` (allowing `skewMs`), or undefined. */
export function validityViolation(profile: CertProfile, now: Date, skewMs: number): string | undefined {
  const t = now.getTime();
  // Clock skew between sealer and runner is tolerated, but only by the configured amount.
  if (t + skewMs < profile.notBefore.getTime()) {
    return `it is not valid until ${profile.notBefore.toISOString()}`;
  }
  // An expired certificate's key may have been retired, leaked or never revoked after its end date.
  if (t - skewMs > profile.notAfter.getTime()) return `it expired at ${profile.notAfter.toISOString()}`;
  return undefined;
}

/** One-line form of a certificate's subject for messages (Node gives one attribute per line). */
export function subjectOf(cert: X509Certificate): string {
  return cert.subject.split('\n').join(', ');
}

/** One-line form of a certificate's issuer name for messages. */
export function issuerOf(cert: X509Certificate): string {
  return cert.issuer.split('\n').join(', ');
}
