import type { AgentFilter, IssuedCertificate, NewCertificate, NewPairingRequest, PairingApproval } from './records.js';
import {
  canonicalFingerprint,
  canonicalSerial,
  checkAddress,
  checkAgentName,
  checkPairingCode,
  checkPem,
  checkTag,
  checkTags,
  checkVersion,
  invalid,
  isoInstant,
} from './validate.js';

/**
 * Whole inputs checked once, in the canonical form both back ends store. Each back end only ever
 * sees these types, so neither can forget a check the other makes.
 */

export interface CertificateRow {
  readonly serial: string;
  readonly fingerprint: string;
  readonly issuedAt: string;
  readonly notAfter: string;
}

export interface NewCertificateRow extends CertificateRow {
  readonly agentName: string | null;
}

/** What a request carries into the agent record its approval creates. */
export interface AgentFields {
  readonly tags: string[];
  readonly address: string;
  readonly version: string | null;
}

export interface PairingRow extends AgentFields {
  readonly agentName: string;
  readonly csrPem: string;
  readonly code: string;
  readonly requestedAt: string;
  readonly expiresAt: string;
}

export interface ApprovalRow {
  readonly certPem: string;
  readonly certificate: CertificateRow;
  /** Only the fields the approval gives; the rest come from the stored request. */
  readonly overrides: Partial<AgentFields>;
  readonly pairedAt: string;
}

export interface FilterRow {
  readonly tag: string | null;
  readonly names: string[] | null;
}

export function checkIssuedCertificate(certificate: IssuedCertificate): CertificateRow {
  if (typeof certificate !== 'object' || certificate === null) throw invalid('certificate must be an object');
  const issuedAt = isoInstant(certificate.issuedAt, 'issuedAt');
  const notAfter = isoInstant(certificate.notAfter, 'notAfter');
  if (notAfter <= issuedAt) throw invalid('a certificate must expire after it was issued');
  return { serial: canonicalSerial(certificate.serial), fingerprint: canonicalFingerprint(certificate.fingerprint), issuedAt, notAfter };
}

export function checkNewCertificate(certificate: NewCertificate): NewCertificateRow {
  const row = checkIssuedCertificate(certificate);
  return { ...row, agentName: certificate.agentName === null ? null : checkAgentName(certificate.agentName) };
}

export function checkNewPairingRequest(request: NewPairingRequest): PairingRow {
  if (typeof request !== 'object' || request === null) throw invalid('pairing request must be an object');
  const requestedAt = isoInstant(request.requestedAt, 'requestedAt');
  const expiresAt = isoInstant(request.expiresAt, 'expiresAt');
  if (expiresAt <= requestedAt) throw invalid('a pairing request must expire after it was made');
  return {
    agentName: checkAgentName(request.agentName),
    csrPem: checkPem(request.csrPem, 'CERTIFICATE REQUEST', 'csrPem'),
    code: checkPairingCode(request.code),
    tags: checkTags(request.tags),
    address: checkAddress(request.address),
    version: checkVersion(request.version),
    requestedAt,
    expiresAt,
  };
}

export function checkApproval(approval: PairingApproval): ApprovalRow {
  if (typeof approval !== 'object' || approval === null) throw invalid('approval must be an object');
  return {
    certPem: checkPem(approval.certPem, 'CERTIFICATE', 'certPem'),
    certificate: checkIssuedCertificate(approval.certificate),
    overrides: {
      ...(approval.tags === undefined ? {} : { tags: checkTags(approval.tags) }),
      ...(approval.address === undefined ? {} : { address: checkAddress(approval.address) }),
      ...(approval.version === undefined ? {} : { version: checkVersion(approval.version) }),
    },
    pairedAt: isoInstant(approval.pairedAt, 'pairedAt'),
  };
}

/** Names in the filter that cannot be agent names simply match nothing. */
export function checkFilter(filter: AgentFilter): FilterRow {
  if (typeof filter !== 'object' || filter === null) throw invalid('filter must be an object');
  const names: unknown = filter.names;
  if (names !== undefined && (!Array.isArray(names) || !names.every((n) => typeof n === 'string'))) throw invalid('filter.names must be an array of strings');
  return { tag: filter.tag === undefined ? null : checkTag(filter.tag), names: names === undefined ? null : [...names] };
}
