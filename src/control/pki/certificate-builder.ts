import { createHash } from 'node:crypto';
import type { KeyObject, X509Certificate } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_kp_clientAuth,
  id_kp_serverAuth,
} from '@peculiar/asn1-x509';
import { pkiKeyTypeOf, signData, signatureAlgorithmFor } from './key-algorithms.js';
import { CONTROL_URI, hostNameUri } from './names.js';
import { isSerialHex } from './serial.js';

/**
 * Builds and signs X.509 v3 certificates for the control host's private CA: the CA itself and the
 * TLS leaves of the control host and its agents. Inputs are trusted here (ca.ts validates names,
 * keys and dates); this file only turns them into DER that OpenSSL reads the way we meant.
 */

/** id-at-commonName. */
const COMMON_NAME_OID = '2.5.4.3';

/** Tolerated clock difference between the CA and whoever checks a certificate it just issued. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

export type CertificateUsage = 'server' | 'client';

/** A CA may sign certificates (and CRLs) but no CA below it; a leaf may only authenticate TLS. */
export type CertificateProfile = { readonly kind: 'ca' } | { readonly kind: 'leaf'; readonly usage: readonly CertificateUsage[] };

/** Who signs: the subject itself (a self-signed CA) or an issuing certificate and its key. */
export type CertificateSigner =
  | { readonly kind: 'self'; readonly privateKey: KeyObject }
  | { readonly kind: 'issuer'; readonly certificate: X509Certificate; readonly privateKey: KeyObject };

export interface CertificateSpec {
  readonly serialHex: string;
  readonly commonName: string;
  readonly subjectPublicKey: KeyObject;
  readonly signer: CertificateSigner;
  readonly profile: CertificateProfile;
  /** Issue time; notBefore is CLOCK_SKEW_MS earlier. */
  readonly now: Date;
  readonly notAfter: Date;
  readonly dnsNames?: readonly string[];
  readonly ips?: readonly string[];
  /** Registered agent name, written as the URI SAN `writ:host:<name>`. */
  readonly hostName?: string;
  /** The control host's own certificate: the URI SAN `writ:control`. */
  readonly controlHost?: boolean;
}

/** DER and PEM of one signed certificate. */
export interface BuiltCertificate {
  readonly der: Buffer;
  readonly pem: string;
}

export function buildCertificate(spec: CertificateSpec): BuiltCertificate {
  // A serial in any other form could be a repeat the ledger did not recognise, or a negative INTEGER.
  if (!isSerialHex(spec.serialHex)) throw new Error(`serial "${spec.serialHex}" is not in canonical form`);
  const notBefore = new Date(spec.now.getTime() - CLOCK_SKEW_MS);
  // A certificate valid for no instant at all is a caller bug, not something to sign.
  if (!(spec.notAfter.getTime() > notBefore.getTime())) throw new Error('notAfter must be later than notBefore');
  if (pkiKeyTypeOf(spec.subjectPublicKey) === undefined) throw new Error('subject key is neither EC P-256 nor Ed25519');

  const subjectKeyInfo = AsnConvert.parse(spec.subjectPublicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo);
  const subjectKeyId = keyIdentifierOf(subjectKeyInfo);
  const subject = commonNameToName(spec.commonName);
  const issuer = spec.signer.kind === 'self' ? { name: subject, keyId: subjectKeyId } : issuerIdentity(spec.signer.certificate);

  const signingKey = spec.signer.privateKey;
  const signingKeyType = pkiKeyTypeOf(signingKey);
  if (signingKeyType === undefined) throw new Error('signing key is neither EC P-256 nor Ed25519');
  // The TBS names the algorithm inside the signed bytes, so it is fixed by the key before signing.
  const algorithm = signatureAlgorithmFor(signingKeyType);

  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: hexToArrayBuffer(spec.serialHex),
    // Parameters absent, as RFC 5758 (ECDSA) and RFC 8410 (Ed25519) require.
    signature: new AlgorithmIdentifier({ algorithm }),
    issuer: issuer.name,
    validity: new Validity({ notBefore, notAfter: spec.notAfter }),
    subject,
    subjectPublicKeyInfo: subjectKeyInfo,
    extensions: new Extensions(extensionsFor(spec, subjectKeyId, issuer.keyId)),
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const signed = signData(signingKey, tbsDer);
  // Both come from the key's type; a mismatch would yield a certificate no verifier accepts.
  if (signed.algorithm !== algorithm) throw new Error('signature algorithm changed while signing');
  const certificate = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: new AlgorithmIdentifier({ algorithm }),
    signatureValue: toArrayBuffer(signed.signature),
  });
  const der = Buffer.from(AsnConvert.serialize(certificate));
  return { der, pem: derToPem(der, 'CERTIFICATE') };
}

function extensionsFor(spec: CertificateSpec, subjectKeyId: ArrayBuffer, authorityKeyId: ArrayBuffer): Extension[] {
  const extensions: Extension[] = [];
  if (spec.profile.kind === 'ca') {
    // pathLen 0: the control CA signs leaves only; a subordinate CA it signed would be refused.
    extensions.push(extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: true, pathLenConstraint: 0 })));
    extensions.push(extension(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign)));
  } else {
    // cA false (encoded as the empty SEQUENCE, DER's default) so a leaf key can never sign certificates.
    extensions.push(extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: false })));
    extensions.push(extension(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.digitalSignature)));
    const purposes = [...new Set(spec.profile.usage)].map((u) => (u === 'server' ? id_kp_serverAuth : id_kp_clientAuth));
    // Without a stated purpose a leaf would be good for anything; an empty list is a caller bug.
    if (purposes.length === 0) throw new Error('a leaf certificate needs at least one usage');
    extensions.push(extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage(purposes)));
  }
  extensions.push(extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(subjectKeyId)));
  extensions.push(extension(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(authorityKeyId) })));
  const altNames = [
    ...(spec.dnsNames ?? []).map((dNSName) => new GeneralName({ dNSName })),
    ...(spec.ips ?? []).map((iPAddress) => new GeneralName({ iPAddress })),
    ...(spec.hostName === undefined ? [] : [new GeneralName({ uniformResourceIdentifier: hostNameUri(spec.hostName) })]),
    ...(spec.controlHost ? [new GeneralName({ uniformResourceIdentifier: CONTROL_URI })] : []),
  ];
  // Non-critical: the subject name is never empty, so RFC 5280 §4.2.1.6 leaves SAN optional to understand.
  if (altNames.length > 0) extensions.push(extension(id_ce_subjectAltName, false, new SubjectAlternativeName(altNames)));
  return extensions;
}

function extension(extnID: string, critical: boolean, value: object): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

/** The subject name `CN=<commonName>`, as UTF8String (RFC 5280 §4.1.2.6's choice for new certificates). */
export function commonNameToName(commonName: string): Name {
  const attribute = new AttributeTypeAndValue({ type: COMMON_NAME_OID, value: new AttributeValue({ utf8String: commonName }) });
  return new Name([new RelativeDistinguishedName([attribute])]);
}

/**
 * Key identifier per RFC 7093 §2 method 1: the leftmost 160 bits of the SHA-256 of the
 * subjectPublicKey bits. Identifiers only help path building; SHA-256 keeps SHA-1 out of the CA.
 */
export function keyIdentifierOf(keyInfo: SubjectPublicKeyInfo): ArrayBuffer {
  return toArrayBuffer(createHash('sha256').update(new Uint8Array(keyInfo.subjectPublicKey)).digest().subarray(0, 20));
}

/**
 * The issuer's subject name (copied as parsed, so it matches the issuer's own encoding byte for byte,
 * which name chaining compares) and its key identifier (its SKI, or derived from its key if absent).
 */
function issuerIdentity(certificate: X509Certificate): { name: Name; keyId: ArrayBuffer } {
  const parsed = AsnConvert.parse(certificate.raw, Certificate);
  const tbs = parsed.tbsCertificate;
  const ski = tbs.extensions?.find((e) => e.extnID === id_ce_subjectKeyIdentifier);
  const keyId = ski === undefined ? keyIdentifierOf(tbs.subjectPublicKeyInfo) : toArrayBuffer(new Uint8Array(AsnConvert.parse(ski.extnValue, SubjectKeyIdentifier).buffer));
  return { name: tbs.subject, keyId };
}

export function derToPem(der: Uint8Array, label: string): string {
  const lines = Buffer.from(der).toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function hexToArrayBuffer(hex: string): ArrayBuffer {
  return toArrayBuffer(Buffer.from(hex, 'hex'));
}

/** A standalone ArrayBuffer with exactly these bytes (a Buffer may be a view into a shared pool). */
function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy.buffer;
}
