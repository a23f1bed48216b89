import { X509Certificate } from 'node:crypto';

/** The `CERTIFICATE` blocks of a PEM text, in order (a chain file lists the leaf first). */
export function pemCertificateBlocks(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/**
 * Parses a certificate (PEM text or DER) and decodes its public key now. X509Certificate decodes
 * the key lazily, so a damaged key would otherwise surface later as an untyped error in the middle
 * of verification. Throws a plain Error; callers turn it into their own code.
 */
export function parseCertificate(data: string | Buffer): X509Certificate {
  const cert = new X509Certificate(data);
  if (cert.publicKey.asymmetricKeyType === undefined) throw new Error('certificate key of unknown type');
  return cert;
}
