import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { canonicalSerialHex } from '../../core/certificate-serial.js';
import { hasUriSubjectAltName } from '../../core/uri-sans.js';
import { hostNameUri } from '../pki/index.js';
import { FleetError } from './errors.js';

/** Answers whether a certificate serial (lower-case hex, no leading zeros) is revoked. */
export type RevocationCheck = (serialHex: string) => Promise<boolean> | boolean;

/** A certificate's serial as the registry spells it (see canonicalSerialHex). */
export function serialHexOf(cert: X509Certificate): string {
  const hex = canonicalSerialHex(cert);
  // Fail closed: a serial we cannot spell cannot be looked up, so it cannot be shown to be unrevoked.
  if (hex === null) throw new FleetError('AGENT_REVOCATION_UNKNOWN', `certificate serial "${cert.serialNumber}" is not hex`);
  return hex;
}

/**
 * `checkServerIdentity` for a connection to the agent registered as `name`. It replaces the usual
 * host-name match: agents move between addresses, but the URI `writ:host:<name>` was bound to the
 * agent's key at pairing. The control host must know it reached the agent it meant, not merely
 * some agent of its CA: any paired agent could otherwise answer for another (DNS, ARP, a reused IP).
 */
export function agentIdentityCheck(name: string): (hostname: string, cert: PeerCertificate) => Error | undefined {
  const expected = hostNameUri(name);
  return (_hostname, cert) => {
    let x509: X509Certificate;
    try {
      x509 = new X509Certificate(cert.raw);
    } catch (err) {
      return new FleetError('AGENT_IDENTITY_MISMATCH', `agent ${name}: its certificate does not parse`, { cause: err });
    }
    // Exact URI entry, never a substring: "writ:host:web1" is inside "writ:host:web10".
    if (hasUriSubjectAltName(x509, expected)) return undefined;
    return new FleetError('AGENT_IDENTITY_MISMATCH', `agent ${name}: the certificate at this address is not bound to ${expected} (subject ${x509.subject.replace(/\n/g, ', ')})`);
  };
}
