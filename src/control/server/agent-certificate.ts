import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { certProfile } from '../../bundle/trust/x509-profile.js';
import { parseHostPort } from '../../core/host-port.js';
import type { CertificateAuthority, ParsedCsr } from '../pki/index.js';
import { normalizeDnsName } from '../pki/names.js';
import type { PairingApproval, PairingRequest } from '../registry/index.js';

export const DEFAULT_AGENT_VALIDITY_DAYS = 90;

/** The agent's name as a DNS SAN only when it is one; an agent called "web_1" still gets its URI. */
function dnsNamesFor(name: string): string[] {
  try {
    return [normalizeDnsName(name)];
  } catch {
    return [];
  }
}

/** The host of the agent's address as an IP SAN when it is an IP literal (the control host dials it). */
function ipsFor(address: string): string[] {
  const { host } = parseHostPort(address, 'the agent address');
  return isIP(host) === 0 ? [] : [host];
}

/**
 * Issues the certificate an approved request gets and describes it for the registry. The key and
 * the name come from the verified CSR (whose common name was checked against the request); only the
 * request's address adds to what the certificate says. The registry takes the agent's tags, address
 * and version from the same stored request, so the approval need not repeat them.
 */
export function issueAgentCertificate(ca: CertificateAuthority, csr: ParsedCsr, request: PairingRequest, validityDays: number, now: Date): PairingApproval {
  const certPem = ca.issue({
    subjectPublicKey: csr.publicKey,
    commonName: csr.commonName,
    hostName: csr.commonName,
    dnsNames: dnsNamesFor(csr.commonName),
    ips: ipsFor(request.address),
    usage: ['server', 'client'],
    validityDays,
    now,
  });
  const cert = new X509Certificate(certPem);
  return {
    certPem,
    certificate: { serial: cert.serialNumber, fingerprint: cert.fingerprint256, issuedAt: now, notAfter: certProfile(cert).notAfter },
    pairedAt: now,
  };
}
