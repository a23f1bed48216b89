import type { X509Certificate } from 'node:crypto';

/**
 * A certificate's serial in the registry's canonical spelling: lower-case hex without colons or
 * leading zeros, or null when Node shows something that is not hex. Node prints upper case and keeps
 * leading zero octets, so comparing its spelling with the registry's would miss a revoked serial.
 */
export function canonicalSerialHex(cert: X509Certificate): string | null {
  const hex = cert.serialNumber.replaceAll(':', '').toLowerCase().replace(/^0+/, '');
  return /^[0-9a-f]+$/.test(hex) ? hex : null;
}
