import { X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { certProfile } from '../../bundle/trust/x509-profile.js';
import { canonicalSerialHex } from '../../core/certificate-serial.js';
import { parseHostPort } from '../../core/host-port.js';
import type { CertificateAuthority } from './ca.js';
import { PkiError } from './errors.js';
import { normalizeDnsName } from './names.js';

export const DEFAULT_AGENT_VALIDITY_DAYS = 90;

/** Who an agent certificate is for: its key, its registered name and where the control host dials it. */
export interface AgentSubject {
  readonly publicKey: KeyObject;
  readonly name: string;
  /** host:port; an IP literal host becomes an IP SAN. */
  readonly address: string;
}

export interface IssuedAgentCertificate {
  readonly certPem: string;
  /** Canonical lower-case hex, as the registry spells serials. */
  readonly serial: string;
  readonly fingerprint: string;
  readonly issuedAt: Date;
  readonly notAfter: Date;
}

/** The agent's name as a DNS SAN only when it is one; an agent called "web_1" still gets its URI. */
function dnsNamesFor(name: string): string[] {
  try {
    return [normalizeDnsName(name)];
  } catch {
    return [];
  }
}

function ipsFor(address: string): string[] {
  const { host } = parseHostPort(address, 'the agent address');
  return isIP(host) === 0 ? [] : [host];
}

/**
 * The one profile of an agent certificate, at pairing and at every renewal: bound to the name by
 * the URI `writ:host:<name>`, usable as TLS server (the control host dials the agent) and client.
 */
export function issueAgentCertificate(ca: CertificateAuthority, subject: AgentSubject, validityDays: number, now: Date): IssuedAgentCertificate {
  const certPem = ca.issue({
    subjectPublicKey: subject.publicKey,
    commonName: subject.name,
    hostName: subject.name,
    dnsNames: dnsNamesFor(subject.name),
    ips: ipsFor(subject.address),
    usage: ['server', 'client'],
    validityDays,
    now,
  });
  const cert = new X509Certificate(certPem);
  const serial = canonicalSerialHex(cert);
  if (serial === null) throw new PkiError('ISSUE_FAILED', `the issued serial ${cert.serialNumber} is not hex`);
  return { certPem, serial, fingerprint: cert.fingerprint256, issuedAt: now, notAfter: certProfile(cert).notAfter };
}
