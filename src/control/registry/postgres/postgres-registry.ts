import type pg from 'pg';
import { agentNotFound, RegistryError } from '../errors.js';
import { checkApproval, checkFilter, checkIssuedCertificate, checkNewCertificate, checkNewPairingRequest, type NewCertificateRow } from '../inputs.js';
import { approvedAgentFields, isPairingId, newPairingId, pairingStateAt, toPairingRequest, unapprovable, undeniable } from '../pairing.js';
import type {
  AgentFilter,
  AgentRecord,
  CertificateRecord,
  IssuedCertificate,
  NewCertificate,
  NewPairingRequest,
  PairingApproval,
  PairingRequest,
} from '../records.js';
import type { Registry } from '../registry.js';
import type { FleetHostResult, FleetRunListOptions, FleetRunRecord, NewFleetRun } from '../fleet-run-records.js';
import { PostgresFleetRuns } from './fleet-runs.js';
import { canonicalSerial, checkTags, checkVersion, isAgentName, isoNow, isPairingCode } from '../validate.js';
import { createPool, type PostgresOptions } from './connection.js';
import { asRegistryError, uniqueViolation } from './failures.js';
import { queriesFor, toAgent, toCertificate, toStoredPairing, type AgentRow, type ApprovedPairingRow, type CertificateRow, type PairingRow, type Queries } from './queries.js';
import { DEFAULT_SCHEMA, migrate, schemaIdentifier } from './schema.js';
import { withTransaction } from './transaction.js';

/** What both a pool and a pooled client can do: run one parameterized statement. */
type Queryable = Pick<pg.PoolClient, 'query'>;

/**
 * The registry in PostgreSQL, shared by several control hosts. Each method is one statement or one
 * READ COMMITTED transaction on a pooled connection; row locks (UPDATE, FOR UPDATE) order the
 * conflicting ones, and the certificates PRIMARY KEY makes a serial usable once across all hosts.
 */
export class PostgresRegistry implements Registry {
  private readonly pool: pg.Pool;
  private readonly q: Queries;
  private readonly where: string;
  private readonly fleetRuns: PostgresFleetRuns;
  private ending: Promise<void> | undefined;

  private constructor(pool: pg.Pool, schema: string, where: string) {
    this.pool = pool;
    this.q = queriesFor(schemaIdentifier(schema));
    this.fleetRuns = new PostgresFleetRuns(pool, schemaIdentifier(schema));
    this.where = where;
  }

  /** Connects, then creates or upgrades the tables; fails with REGISTRY_UNAVAILABLE or REGISTRY_INVALID. */
  static async connect(url: string, options: PostgresOptions = {}): Promise<PostgresRegistry> {
    const schema = options.schema ?? DEFAULT_SCHEMA;
    schemaIdentifier(schema); // checked before anything connects: the name becomes part of SQL text
    const { pool, where } = createPool(url, options);
    try {
      await migrate(pool, schema);
    } catch (err) {
      await pool.end().catch(() => undefined);
      throw asRegistryError(err, where);
    }
    return new PostgresRegistry(pool, schema, where);
  }

  addPairingRequest(request: NewPairingRequest): Promise<PairingRequest> {
    return this.run(async () => {
      const r = checkNewPairingRequest(request);
      const id = newPairingId();
      await withTransaction(this.pool, async (c) => {
        // An expired request no longer shows its code to anyone, so it must not keep the code taken.
        await c.query(this.q.deleteExpiredWithCode, [r.code, r.requestedAt]);
        try {
          await c.query(this.q.insertPairing, [id, r.agentName, r.csrPem, r.code, r.tags, r.address, r.version, r.requestedAt, r.expiresAt]);
        } catch (err) {
          if (uniqueViolation(err) === 'pairing_pending_code') {
            throw new RegistryError('PAIRING_CODE_IN_USE', 'another pending pairing request shows the same code; choose a new code', { cause: err });
          }
          throw err;
        }
      });
      return { id, ...r, state: pairingStateAt('pending', r.expiresAt, r.requestedAt), certPem: null };
    });
  }

  getPairingRequest(id: string, now: Date = new Date()): Promise<PairingRequest | null> {
    return this.run(async () => {
      const nowIso = isoNow(now);
      if (!isPairingId(id)) return null;
      const row = (await this.pool.query<PairingRow>(this.q.getPairing, [id])).rows[0];
      return row === undefined ? null : toPairingRequest(toStoredPairing(row), nowIso);
    });
  }

  findPairingByCode(code: string, now: Date): Promise<PairingRequest | null> {
    return this.run(async () => {
      const nowIso = isoNow(now);
      // A code that cannot be one (a typo) names no request, like an unknown one.
      if (!isPairingCode(code)) return null;
      const row = (await this.pool.query<PairingRow>(this.q.findPendingByCode, [code, nowIso])).rows[0];
      return row === undefined ? null : toPairingRequest(toStoredPairing(row), nowIso);
    });
  }

  listPendingPairings(now: Date): Promise<PairingRequest[]> {
    return this.run(async () => {
      const nowIso = isoNow(now);
      const rows = (await this.pool.query<PairingRow>(this.q.listPending, [nowIso])).rows;
      return rows.map((row) => toPairingRequest(toStoredPairing(row), nowIso));
    });
  }

  countPendingPairings(now: Date): Promise<number> {
    return this.run(async () => (await this.pool.query<{ n: number }>(this.q.countPending, [isoNow(now)])).rows[0]?.n ?? 0);
  }

  approvePairing(id: string, approval: PairingApproval): Promise<AgentRecord> {
    return this.run(async () => {
      const a = checkApproval(approval);
      if (!isPairingId(id)) throw unapprovable(id, undefined, a.pairedAt);
      return withTransaction(this.pool, async (c) => {
        // The row lock taken here makes a second approval of the same request wait, then match nothing.
        const approved = (await c.query<ApprovedPairingRow>(this.q.approvePending, [id, a.certPem, a.pairedAt])).rows[0];
        if (approved === undefined) {
          const current = (await c.query<PairingRow>(this.q.getPairing, [id])).rows[0];
          throw unapprovable(id, current && toStoredPairing(current), a.pairedAt);
        }
        const name = approved.agent_name;
        const fields = approvedAgentFields(id, approved, a.overrides);
        await this.insertCertificate(c, { ...a.certificate, agentName: name });
        await c.query(this.q.upsertAgent, [name, fields.tags, fields.address, fields.version, a.certificate.serial, a.pairedAt]);
        // Re-pairing means a new key: the name's earlier certificates must stop working now, not at
        // expiry. After the upsert (which waits for a concurrent approval of the same name), so
        // this statement's snapshot sees that approval's certificate too.
        await c.query(this.q.revokeCertificatesOf, [name, a.pairedAt, a.certificate.serial]);
        return this.mustGetAgent(c, name);
      });
    });
  }

  denyPairing(id: string): Promise<void> {
    return this.run(async () => {
      if (isPairingId(id) && (await this.pool.query(this.q.deletePending, [id])).rowCount === 1) return;
      const exists = isPairingId(id) && (await this.pool.query(this.q.getPairing, [id])).rowCount === 1;
      throw undeniable(id, exists);
    });
  }

  purgeExpiredPairings(now: Date): Promise<number> {
    return this.run(async () => (await this.pool.query(this.q.purgeExpired, [isoNow(now)])).rowCount ?? 0);
  }

  recordCertificate(certificate: NewCertificate): Promise<CertificateRecord> {
    return this.run(async () => {
      const row = checkNewCertificate(certificate);
      await this.insertCertificate(this.pool, row);
      return { ...row, revokedAt: null };
    });
  }

  getCertificate(serial: string): Promise<CertificateRecord | null> {
    return this.run(async () => {
      const row = (await this.pool.query<CertificateRow>(this.q.getCertificate, [canonicalSerial(serial)])).rows[0];
      return row === undefined ? null : toCertificate(row);
    });
  }

  renewAgentCertificate(name: string, certificate: IssuedCertificate): Promise<AgentRecord> {
    return this.run(async () => {
      const cert = checkIssuedCertificate(certificate);
      if (!isAgentName(name)) throw agentNotFound(name);
      return withTransaction(this.pool, async (c) => {
        const state = (await c.query<{ state: string }>(this.q.lockAgentState, [name])).rows[0]?.state;
        if (state === undefined) throw agentNotFound(name);
        // A revoked agent is out of the fleet; only a new, approved pairing may bring it back.
        if (state === 'revoked') throw new RegistryError('AGENT_REVOKED', `agent ${name} is revoked; pair it again`);
        await this.insertCertificate(c, { ...cert, agentName: name });
        await c.query(this.q.pointAgentAt, [name, cert.serial]);
        return this.mustGetAgent(c, name);
      });
    });
  }

  revokeAgent(name: string, now: Date): Promise<string[]> {
    return this.run(async () => {
      const nowIso = isoNow(now);
      if (!isAgentName(name)) throw agentNotFound(name);
      return withTransaction(this.pool, async (c) => {
        if ((await c.query(this.q.revokeAgent, [name])).rowCount === 0) throw agentNotFound(name);
        await c.query(this.q.revokeCertificatesOf, [name, nowIso, null]);
        return (await c.query<{ serial: string }>(this.q.revokedSerialsOf, [name])).rows.map((r) => r.serial);
      });
    });
  }

  isSerialRevoked(serial: string): Promise<boolean> {
    return this.run(async () => {
      const row = (await this.pool.query<{ revoked: boolean }>(this.q.isRevoked, [canonicalSerial(serial)])).rows[0];
      return row?.revoked === true;
    });
  }

  revokedSerials(): Promise<string[]> {
    return this.run(async () => (await this.pool.query<{ serial: string }>(this.q.revokedSerials)).rows.map((r) => r.serial));
  }

  getAgent(name: string): Promise<AgentRecord | null> {
    return this.run(async () => {
      if (!isAgentName(name)) return null;
      const row = (await this.pool.query<AgentRow>(this.q.getAgent, [name])).rows[0];
      return row === undefined ? null : toAgent(row);
    });
  }

  listAgents(filter: AgentFilter = {}): Promise<AgentRecord[]> {
    return this.run(async () => {
      const f = checkFilter(filter);
      return (await this.pool.query<AgentRow>(this.q.listAgents, [f.tag, f.names])).rows.map(toAgent);
    });
  }

  markSeen(name: string, now: Date, version?: string | null): Promise<void> {
    return this.run(async () => {
      const nowIso = isoNow(now);
      if (!isAgentName(name)) throw agentNotFound(name);
      const result = version === undefined
        ? await this.pool.query(this.q.markSeen, [name, nowIso])
        : await this.pool.query(this.q.markSeenWithVersion, [name, nowIso, checkVersion(version)]);
      if (result.rowCount === 0) throw agentNotFound(name);
    });
  }

  setTags(name: string, tags: readonly string[]): Promise<AgentRecord> {
    return this.run(async () => {
      const checked = checkTags(tags);
      if (!isAgentName(name)) throw agentNotFound(name);
      return withTransaction(this.pool, async (c) => {
        if ((await c.query(this.q.setTags, [name, checked])).rowCount === 0) throw agentNotFound(name);
        return this.mustGetAgent(c, name);
      });
    });
  }

  removeAgent(name: string, now: Date): Promise<void> {
    return this.run(async () => {
      const nowIso = isoNow(now);
      if (!isAgentName(name)) throw agentNotFound(name);
      await withTransaction(this.pool, async (c) => {
        if ((await c.query(this.q.deleteAgent, [name])).rowCount === 0) throw agentNotFound(name);
        // A removed host's key must not keep passing the TLS check until it expires.
        await c.query(this.q.revokeCertificatesOf, [name, nowIso, null]);
      });
    });
  }

  createFleetRun(run: NewFleetRun): Promise<FleetRunRecord> {
    return this.run(() => this.fleetRuns.create(run));
  }

  recordHostDispatched(runId: string, host: string, agentRunId: string): Promise<void> {
    return this.run(() => this.fleetRuns.dispatched(runId, host, agentRunId));
  }

  recordHostResult(runId: string, host: string, result: FleetHostResult): Promise<void> {
    return this.run(() => this.fleetRuns.result(runId, host, result));
  }

  finishFleetRun(runId: string, state: 'finished' | 'cancelled', at: Date): Promise<void> {
    return this.run(() => this.fleetRuns.finish(runId, state, at));
  }

  getFleetRun(id: string): Promise<FleetRunRecord | null> {
    return this.run(() => this.fleetRuns.get(id));
  }

  listFleetRuns(options: FleetRunListOptions = {}): Promise<FleetRunRecord[]> {
    return this.run(() => this.fleetRuns.list(options));
  }

  /** Waits for checked-out connections to return, then closes them all. */
  close(): Promise<void> {
    this.ending ??= this.pool.end();
    return this.ending;
  }

  private async run<T>(body: () => Promise<T>): Promise<T> {
    if (this.ending !== undefined) throw new RegistryError('REGISTRY_UNAVAILABLE', 'the registry is closed');
    try {
      return await body();
    } catch (err) {
      throw asRegistryError(err, this.where);
    }
  }

  /** The only way a certificate row is written: the PRIMARY KEY refuses a serial seen before, on any control host. */
  private async insertCertificate(db: Queryable, row: NewCertificateRow): Promise<void> {
    try {
      await db.query(this.q.insertCertificate, [row.serial, row.agentName, row.fingerprint, row.issuedAt, row.notAfter]);
    } catch (err) {
      if (uniqueViolation(err) === 'certificates_pkey') {
        throw new RegistryError('SERIAL_REUSED', `certificate serial ${row.serial} was already issued; serials are never reused`, { cause: err });
      }
      throw err;
    }
  }

  private async mustGetAgent(db: Queryable, name: string): Promise<AgentRecord> {
    const row = (await db.query<AgentRow>(this.q.getAgent, [name])).rows[0];
    if (row === undefined) throw agentNotFound(name);
    return toAgent(row);
  }
}
