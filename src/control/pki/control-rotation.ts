import { X509Certificate, createPrivateKey } from 'node:crypto';
import { certProfile } from '../../bundle/trust/x509-profile.js';
import { installCertificateAndKey } from '../../core/cert-key-files.js';
import { canonicalSerialHex } from '../../core/certificate-serial.js';
import { hostSubjectAltNames } from '../../core/uri-sans.js';
import { readCaFile } from './ca-layout.js';
import { CONTROL_COMMON_NAME, DEFAULT_CONTROL_VALIDITY_DAYS, type CertificateAuthority } from './ca.js';
import { PkiError } from './errors.js';
import { generatePkiKeyPair, pkiKeyTypeOf } from './key-algorithms.js';

export interface RotatedControlCertificate {
  readonly certPem: string;
  readonly keyPem: string;
  readonly serial: string;
  readonly fingerprint: string;
  readonly previousSerial: string;
  readonly notAfter: Date;
}

/**
 * Gives the control host a new key and certificate with the same names (DNS, IP, `writ:control`).
 * Agents trust the CA and the `writ:control` role, never one certificate, so they accept the new
 * one at their next handshake with no change on their side. The pair on disk is replaced so that a
 * crash leaves the old pair or the new one, never a mix (see cert-key-files.ts).
 */
export function rotateControlCertificate(ca: CertificateAuthority, now: Date = new Date(), validityDays = DEFAULT_CONTROL_VALIDITY_DAYS): RotatedControlCertificate {
  const current = new X509Certificate(readCaFile(ca.paths.controlCert));
  const currentKey = createPrivateKey(readCaFile(ca.paths.controlKey));
  const keyType = pkiKeyTypeOf(currentKey);
  // The key type carries over; a key of a kind the CA refuses means the files were tampered with.
  if (keyType === undefined) throw new PkiError('CA_INVALID', `${ca.paths.controlKey} is neither an EC P-256 nor an Ed25519 key`);
  const { dnsNames, ips } = hostSubjectAltNames(current);
  const keys = generatePkiKeyPair(keyType);
  const certPem = ca.issue({ subjectPublicKey: keys.publicKey, commonName: CONTROL_COMMON_NAME, controlHost: true, dnsNames, ips, usage: ['server', 'client'], validityDays, now });
  const keyPem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  installCertificateAndKey({ cert: ca.paths.controlCert, key: ca.paths.controlKey }, certPem, keyPem);
  const issued = new X509Certificate(certPem);
  return { certPem, keyPem, serial: canonicalSerialHex(issued) ?? issued.serialNumber, fingerprint: issued.fingerprint256, previousSerial: canonicalSerialHex(current) ?? current.serialNumber, notAfter: certProfile(issued).notAfter };
}
