import { issueAgentCertificate as issue, type CertificateAuthority, type ParsedCsr } from '../pki/index.js';
import type { PairingApproval, PairingRequest } from '../registry/index.js';

export { DEFAULT_AGENT_VALIDITY_DAYS } from '../pki/index.js';

/**
 * Issues the certificate an approved request gets and describes it for the registry. The key and
 * the name come from the verified CSR (whose common name was checked against the request); only the
 * request's address adds to what the certificate says. The registry takes the agent's tags, address
 * and version from the same stored request, so the approval need not repeat them.
 */
export function issueAgentCertificate(ca: CertificateAuthority, csr: ParsedCsr, request: PairingRequest, validityDays: number, now: Date): PairingApproval {
  const issued = issue(ca, { publicKey: csr.publicKey, name: csr.commonName, address: request.address }, validityDays, now);
  return {
    certPem: issued.certPem,
    certificate: { serial: issued.serial, fingerprint: issued.fingerprint, issuedAt: issued.issuedAt, notAfter: issued.notAfter },
    pairedAt: now,
  };
}
