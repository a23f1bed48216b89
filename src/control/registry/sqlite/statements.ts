import type BetterSqlite3 from 'better-sqlite3';
import type { NewCertificateRow } from '../inputs.js';
import type { AgentState, CertificateRecord } from '../records.js';
import type { AgentRow, ApprovedPairingRow, PairingSelectRow } from './rows.js';

type Db = BetterSqlite3.Database;
type Stmt<P extends unknown[], R = unknown> = BetterSqlite3.Statement<P, R>;

export interface UpsertAgent {
  name: string;
  tags: string;
  address: string;
  version: string | null;
  certSerial: string;
  pairedAt: string;
}

/** A checked request with its tags as JSON text. */
export interface InsertPairing {
  id: string;
  agentName: string;
  csrPem: string;
  code: string;
  tags: string;
  address: string;
  version: string | null;
  requestedAt: string;
  expiresAt: string;
}

const AGENT_SELECT = `SELECT a.name, a.tags, a.address, a.version, a.cert_serial AS certSerial, c.not_after AS certNotAfter,
  c.fingerprint AS certFingerprint, a.paired_at AS pairedAt, a.last_seen_at AS lastSeenAt, a.state
  FROM agents a JOIN certificates c ON c.serial = a.cert_serial`;
const PAIRING_SELECT = `SELECT id, agent_name AS agentName, csr_pem AS csrPem, code, tags, address, version,
  requested_at AS requestedAt, expires_at AS expiresAt, state, cert_pem AS certPem FROM pairing_requests`;
const CERTIFICATE_SELECT = `SELECT serial, agent_name AS agentName, fingerprint, issued_at AS issuedAt, not_after AS notAfter,
  revoked_at AS revokedAt FROM certificates`;

/** Every statement the registry runs, with its parameters and row type. Values are always bound. */
export interface Statements {
  readonly insertPairing: Stmt<[InsertPairing]>;
  readonly deleteExpiredWithCode: Stmt<[{ code: string; now: string }]>;
  readonly getPairing: Stmt<[string], PairingSelectRow>;
  readonly findPendingByCode: Stmt<[{ code: string; now: string }], PairingSelectRow>;
  readonly listPending: Stmt<[string], PairingSelectRow>;
  readonly countPending: Stmt<[string], number>;
  readonly approvePending: Stmt<[{ id: string; certPem: string; now: string }], ApprovedPairingRow>;
  readonly deletePending: Stmt<[string]>;
  readonly purgeExpired: Stmt<[string]>;
  readonly insertCertificate: Stmt<[NewCertificateRow]>;
  readonly getCertificate: Stmt<[string], CertificateRecord>;
  readonly revokeCertificatesOf: Stmt<[{ name: string; now: string; keep: string | null }]>;
  readonly revokedSerialsOf: Stmt<[string], string>;
  readonly isRevoked: Stmt<[string], number>;
  readonly revokedSerials: Stmt<[], string>;
  readonly upsertAgent: Stmt<[UpsertAgent]>;
  readonly agentState: Stmt<[string], AgentState>;
  readonly pointAgentAt: Stmt<[{ name: string; serial: string }]>;
  readonly revokeAgent: Stmt<[string]>;
  readonly getAgent: Stmt<[string], AgentRow>;
  readonly listAgents: Stmt<[{ tag: string | null; names: string | null }], AgentRow>;
  readonly markSeen: Stmt<[{ name: string; now: string }]>;
  readonly markSeenWithVersion: Stmt<[{ name: string; now: string; version: string | null }]>;
  readonly setTags: Stmt<[{ name: string; tags: string }]>;
  readonly deleteAgent: Stmt<[string]>;
}

/** Prepared once per connection: SQLite parses and plans each statement a single time. */
export function prepareStatements(db: Db): Statements {
  return {
    insertPairing: db.prepare<[InsertPairing]>(
      `INSERT INTO pairing_requests (id, agent_name, csr_pem, code, tags, address, version, requested_at, expires_at, state)
       VALUES (@id, @agentName, @csrPem, @code, @tags, @address, @version, @requestedAt, @expiresAt, 'pending')`,
    ),
    deleteExpiredWithCode: db.prepare("DELETE FROM pairing_requests WHERE code = @code AND state = 'pending' AND expires_at <= @now"),
    getPairing: db.prepare<[string], PairingSelectRow>(`${PAIRING_SELECT} WHERE id = ?`),
    findPendingByCode: db.prepare<[{ code: string; now: string }], PairingSelectRow>(`${PAIRING_SELECT} WHERE code = @code AND state = 'pending' AND expires_at > @now`),
    listPending: db.prepare<[string], PairingSelectRow>(`${PAIRING_SELECT} WHERE state = 'pending' AND expires_at > ? ORDER BY requested_at, id`),
    countPending: db.prepare<[string], number>("SELECT COUNT(*) FROM pairing_requests WHERE state = 'pending' AND expires_at > ?").pluck(),
    approvePending: db.prepare<[{ id: string; certPem: string; now: string }], ApprovedPairingRow>(
      `UPDATE pairing_requests SET state = 'approved', cert_pem = @certPem
       WHERE id = @id AND state = 'pending' AND expires_at > @now RETURNING agent_name AS agentName, tags, address, version`,
    ),
    deletePending: db.prepare("DELETE FROM pairing_requests WHERE id = ? AND state = 'pending'"),
    purgeExpired: db.prepare("DELETE FROM pairing_requests WHERE state = 'pending' AND expires_at <= ?"),
    insertCertificate: db.prepare<[NewCertificateRow]>(
      `INSERT INTO certificates (serial, agent_name, fingerprint, issued_at, not_after)
       VALUES (@serial, @agentName, @fingerprint, @issuedAt, @notAfter)`,
    ),
    getCertificate: db.prepare<[string], CertificateRecord>(`${CERTIFICATE_SELECT} WHERE serial = ?`),
    revokeCertificatesOf: db.prepare(
      'UPDATE certificates SET revoked_at = @now WHERE agent_name = @name AND revoked_at IS NULL AND serial IS NOT @keep',
    ),
    revokedSerialsOf: db.prepare<[string], string>('SELECT serial FROM certificates WHERE agent_name = ? AND revoked_at IS NOT NULL ORDER BY serial').pluck(),
    isRevoked: db.prepare<[string], number>('SELECT revoked_at IS NOT NULL FROM certificates WHERE serial = ?').pluck(),
    revokedSerials: db.prepare<[], string>('SELECT serial FROM certificates WHERE revoked_at IS NOT NULL ORDER BY serial').pluck(),
    upsertAgent: db.prepare<[UpsertAgent]>(
      `INSERT INTO agents (name, tags, address, version, cert_serial, paired_at, state)
       VALUES (@name, @tags, @address, @version, @certSerial, @pairedAt, 'active')
       ON CONFLICT (name) DO UPDATE SET tags = excluded.tags, address = excluded.address, version = excluded.version,
         cert_serial = excluded.cert_serial, paired_at = excluded.paired_at, last_seen_at = NULL, state = 'active'`,
    ),
    agentState: db.prepare<[string], AgentState>('SELECT state FROM agents WHERE name = ?').pluck(),
    pointAgentAt: db.prepare('UPDATE agents SET cert_serial = @serial WHERE name = @name'),
    revokeAgent: db.prepare("UPDATE agents SET state = 'revoked' WHERE name = ?"),
    getAgent: db.prepare<[string], AgentRow>(`${AGENT_SELECT} WHERE a.name = ?`),
    // Tags and names travel as JSON and are matched with json_each: exact comparisons, no LIKE patterns.
    listAgents: db.prepare<[{ tag: string | null; names: string | null }], AgentRow>(
      `${AGENT_SELECT}
       WHERE (@tag IS NULL OR EXISTS (SELECT 1 FROM json_each(a.tags) WHERE value = @tag))
         AND (@names IS NULL OR a.name IN (SELECT value FROM json_each(@names)))
       ORDER BY a.name`,
    ),
    markSeen: db.prepare('UPDATE agents SET last_seen_at = @now WHERE name = @name'),
    markSeenWithVersion: db.prepare('UPDATE agents SET last_seen_at = @now, version = @version WHERE name = @name'),
    setTags: db.prepare('UPDATE agents SET tags = @tags WHERE name = @name'),
    deleteAgent: db.prepare('DELETE FROM agents WHERE name = ?'),
  };
}
