import type { X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, type GeneralName, SubjectAlternativeName, id_ce_subjectAltName } from '@peculiar/asn1-x509';

/** The URI SAN of the control host's own certificate (the same value src/control/pki/names.ts writes). */
export const CONTROL_IDENTITY_URI = 'writ:control';

/** The URI SAN binding a certificate to one registered agent name. */
export function agentIdentityUri(name: string): string {
  return `writ:host:${name}`;
}

/** The subjectAltName entries of a certificate, read from its DER; none when it has no SAN. */
function generalNamesOf(cert: X509Certificate): GeneralName[] {
  const parsed = AsnConvert.parse(cert.raw, Certificate);
  const extensions = parsed.tbsCertificate.extensions === undefined ? [] : [...parsed.tbsCertificate.extensions];
  const sans = extensions.filter((ext) => ext.extnID === id_ce_subjectAltName);
  // Two SAN extensions could each be read as "the" one by different verifiers.
  if (sans.length > 1) throw new Error('the certificate repeats subjectAltName');
  const san = sans[0];
  return san === undefined ? [] : [...AsnConvert.parse(san.extnValue, SubjectAlternativeName)];
}

/**
 * The URI entries of a certificate's subjectAltName, read from its DER. Node's `subjectAltName`
 * is display text ("URI:a, DNS:b") in which a crafted value containing ", URI:" could pose as a
 * second entry; the DER has no such ambiguity, so identity decisions read these instead.
 * Throws when the certificate or its SAN does not parse: an identity we cannot read is no identity.
 */
export function uriSubjectAltNames(cert: X509Certificate): string[] {
  return generalNamesOf(cert).flatMap((name) => (name.uniformResourceIdentifier === undefined ? [] : [name.uniformResourceIdentifier]));
}

/** The DNS and IP entries of a certificate's subjectAltName, read from its DER (IPs as text). */
export function hostSubjectAltNames(cert: X509Certificate): { dnsNames: string[]; ips: string[] } {
  const names = generalNamesOf(cert);
  return { dnsNames: names.flatMap((n) => (n.dNSName === undefined ? [] : [n.dNSName])), ips: names.flatMap((n) => (n.iPAddress === undefined ? [] : [n.iPAddress])) };
}

/** True when `cert` carries exactly the URI `uri` among its subjectAltNames; false when it does not parse. */
export function hasUriSubjectAltName(cert: X509Certificate, uri: string): boolean {
  try {
    return uriSubjectAltNames(cert).includes(uri);
  } catch {
    return false;
  }
}
