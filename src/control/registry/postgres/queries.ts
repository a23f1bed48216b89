import type { StoredPairing, StoredPairingState } from '../pairing.js';
import type { AgentRecord, AgentState, CertificateRecord } from '../records.js';

/**
 * Every statement the PostgreSQL registry runs. Values are always bind parameters ($1, $2, …): the
 * server receives them apart from the SQL text and never parses them as SQL, so no agent-supplied
 * name, tag or CSR can change what a statement does. Only the schema identifier (validated and
 * quoted by schemaIdentifier) is part of the text. `COLLATE "C"` makes ordering byte order, the
 * same as SQLite's, whatever the database's locale.
 */
export function queriesFor(s: string) {
  const agentSelect = `SELECT a.name, a.tags, a.address, a.version, a.cert_serial, c.not_after AS cert_not_after,
    c.fingerprint AS cert_fingerprint, a.paired_at, a.last_seen_at, a.state
    FROM ${s}.agents a JOIN ${s}.certificates c ON c.serial = a.cert_serial`;
  const pairingSelect = `SELECT id, agent_name, csr_pem, code, tags, address, version, requested_at, expires_at, state, cert_pem
    FROM ${s}.pairing_requests`;
  return {
    /** $1 id, $2 agent_name, $3 csr_pem, $4 code, $5 tags, $6 address, $7 version, $8 requested_at, $9 expires_at */
    insertPairing: `INSERT INTO ${s}.pairing_requests (id, agent_name, csr_pem, code, tags, address, version, requested_at, expires_at, state)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending')`,
    /** $1 code, $2 now */
    deleteExpiredWithCode: `DELETE FROM ${s}.pairing_requests WHERE code = $1 AND state = 'pending' AND expires_at <= $2`,
    /** $1 id */
    getPairing: `${pairingSelect} WHERE id = $1`,
    /** $1 code, $2 now */
    findPendingByCode: `${pairingSelect} WHERE code = $1 AND state = 'pending' AND expires_at > $2`,
    /** $1 now */
    listPending: `${pairingSelect} WHERE state = 'pending' AND expires_at > $1 ORDER BY requested_at, id COLLATE "C"`,
    /** $1 now */
    countPending: `SELECT count(*)::int AS n FROM ${s}.pairing_requests WHERE state = 'pending' AND expires_at > $1`,
    /** $1 id, $2 cert_pem, $3 now */
    approvePending: `UPDATE ${s}.pairing_requests SET state = 'approved', cert_pem = $2
      WHERE id = $1 AND state = 'pending' AND expires_at > $3 RETURNING agent_name, tags, address, version`,
    /** $1 id */
    deletePending: `DELETE FROM ${s}.pairing_requests WHERE id = $1 AND state = 'pending'`,
    /** $1 now */
    purgeExpired: `DELETE FROM ${s}.pairing_requests WHERE state = 'pending' AND expires_at <= $1`,
    /** $1 serial, $2 agent_name, $3 fingerprint, $4 issued_at, $5 not_after */
    insertCertificate: `INSERT INTO ${s}.certificates (serial, agent_name, fingerprint, issued_at, not_after) VALUES ($1, $2, $3, $4, $5)`,
    /** $1 serial */
    getCertificate: `SELECT serial, agent_name, fingerprint, issued_at, not_after, revoked_at FROM ${s}.certificates WHERE serial = $1`,
    /** $1 agent_name, $2 now, $3 serial to keep (or null) */
    revokeCertificatesOf: `UPDATE ${s}.certificates SET revoked_at = $2
      WHERE agent_name = $1 AND revoked_at IS NULL AND serial IS DISTINCT FROM $3::text`,
    /** $1 agent_name */
    revokedSerialsOf: `SELECT serial FROM ${s}.certificates WHERE agent_name = $1 AND revoked_at IS NOT NULL ORDER BY serial COLLATE "C"`,
    /** $1 serial */
    isRevoked: `SELECT revoked_at IS NOT NULL AS revoked FROM ${s}.certificates WHERE serial = $1`,
    revokedSerials: `SELECT serial FROM ${s}.certificates WHERE revoked_at IS NOT NULL ORDER BY serial COLLATE "C"`,
    /** $1 name, $2 tags, $3 address, $4 version, $5 cert_serial, $6 paired_at */
    upsertAgent: `INSERT INTO ${s}.agents (name, tags, address, version, cert_serial, paired_at, state)
      VALUES ($1, $2, $3, $4, $5, $6, 'active')
      ON CONFLICT (name) DO UPDATE SET tags = excluded.tags, address = excluded.address, version = excluded.version,
        cert_serial = excluded.cert_serial, paired_at = excluded.paired_at, last_seen_at = NULL, state = 'active'`,
    /** $1 name. FOR UPDATE: a renewal waits for a concurrent revocation or removal, then sees its result. */
    lockAgentState: `SELECT state FROM ${s}.agents WHERE name = $1 FOR UPDATE`,
    /** $1 name, $2 serial */
    pointAgentAt: `UPDATE ${s}.agents SET cert_serial = $2 WHERE name = $1`,
    /** $1 name */
    revokeAgent: `UPDATE ${s}.agents SET state = 'revoked' WHERE name = $1`,
    /** $1 name */
    getAgent: `${agentSelect} WHERE a.name = $1`,
    /** $1 tag or null, $2 names or null */
    listAgents: `${agentSelect}
      WHERE ($1::text IS NULL OR $1::text = ANY (a.tags)) AND ($2::text[] IS NULL OR a.name = ANY ($2::text[]))
      ORDER BY a.name COLLATE "C"`,
    /** $1 name, $2 now */
    markSeen: `UPDATE ${s}.agents SET last_seen_at = $2 WHERE name = $1`,
    /** $1 name, $2 now, $3 version */
    markSeenWithVersion: `UPDATE ${s}.agents SET last_seen_at = $2, version = $3 WHERE name = $1`,
    /** $1 name, $2 tags */
    setTags: `UPDATE ${s}.agents SET tags = $2 WHERE name = $1`,
    /** $1 name */
    deleteAgent: `DELETE FROM ${s}.agents WHERE name = $1`,
  } as const;
}

export type Queries = ReturnType<typeof queriesFor>;

/** Rows as node-postgres returns them: timestamptz as Date, text[] as string[]. */
export interface AgentRow {
  name: string;
  tags: string[];
  address: string;
  version: string | null;
  cert_serial: string;
  cert_not_after: Date;
  cert_fingerprint: string;
  paired_at: Date;
  last_seen_at: Date | null;
  state: AgentState;
}

export interface PairingRow {
  id: string;
  agent_name: string;
  csr_pem: string;
  code: string;
  tags: string[];
  address: string;
  version: string | null;
  requested_at: Date;
  expires_at: Date;
  state: StoredPairingState;
  cert_pem: string | null;
}

/** What approval reads back from the request it marks approved. */
export type ApprovedPairingRow = Pick<PairingRow, 'agent_name' | 'tags' | 'address' | 'version'>;

export interface CertificateRow {
  serial: string;
  agent_name: string | null;
  fingerprint: string;
  issued_at: Date;
  not_after: Date;
  revoked_at: Date | null;
}

export function toAgent(row: AgentRow): AgentRecord {
  return {
    name: row.name,
    tags: row.tags,
    address: row.address,
    version: row.version,
    certSerial: row.cert_serial,
    certNotAfter: row.cert_not_after.toISOString(),
    certFingerprint: row.cert_fingerprint,
    pairedAt: row.paired_at.toISOString(),
    lastSeenAt: row.last_seen_at?.toISOString() ?? null,
    state: row.state,
  };
}

export function toCertificate(row: CertificateRow): CertificateRecord {
  return {
    serial: row.serial,
    agentName: row.agent_name,
    fingerprint: row.fingerprint,
    issuedAt: row.issued_at.toISOString(),
    notAfter: row.not_after.toISOString(),
    revokedAt: row.revoked_at?.toISOString() ?? null,
  };
}

export function toStoredPairing(row: PairingRow): StoredPairing {
  return {
    id: row.id,
    agentName: row.agent_name,
    csrPem: row.csr_pem,
    code: row.code,
    tags: row.tags,
    address: row.address,
    version: row.version,
    requestedAt: row.requested_at.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    state: row.state,
    certPem: row.cert_pem,
  };
}
