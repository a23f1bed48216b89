import Database from 'better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import { agentNotFound, RegistryError } from '../errors.js';
import { checkApproval, checkFilter, checkIssuedCertificate, checkNewCertificate, checkNewPairingRequest, type CertificateRow } from '../inputs.js';
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
import { SqliteFleetRuns } from './fleet-runs.js';
import { canonicalSerial, checkTags, checkVersion, isAgentName, isoNow, isPairingCode } from '../validate.js';
import { prepareDatabaseFile } from './database-file.js';
import { parseTags, toAgent, toStoredPairing } from './rows.js';
import { configureConnection, migrate } from './schema.js';
import { prepareStatements, type Statements } from './statements.js';

/**
 * The registry in one SQLite file (WAL, synchronous=FULL): for a single control host. Calls are
 * synchronous underneath, so each method is one transaction that finishes before the next starts;
 * the promises only give it the Registry shape. Multi-statement writes are IMMEDIATE transactions,
 * so a second process on the same file waits for the write lock instead of reading stale rows.
 */
export class SqliteRegistry implements Registry {
  private readonly db: BetterSqlite3.Database;
  private readonly sql: Statements;
  private readonly fleetRuns: SqliteFleetRuns;

  private constructor(db: BetterSqlite3.Database) {
    this.db = db;
    this.sql = prepareStatements(db);
    this.fleetRuns = new SqliteFleetRuns(db);
  }

  /** Opens (creating if needed, mode 0600) the registry at `path`; `':memory:'` gives a private one for tests. */
  static open(path: string): SqliteRegistry {
    if (typeof path !== 'string' || path === '') throw new RegistryError('REGISTRY_INVALID', 'the registry path must be a non-empty string');
    if (path !== ':memory:') prepareDatabaseFile(path);
    let db: BetterSqlite3.Database | undefined;
    try {
      db = new Database(path, { timeout: 5000 });
      configureConnection(db);
      migrate(db);
      return new SqliteRegistry(db);
    } catch (err) {
      db?.close();
      throw asRegistryError(err, path);
    }
  }

  addPairingRequest(request: NewPairingRequest): Promise<PairingRequest> {
    return this.run(() => {
      const row = { ...checkNewPairingRequest(request), id: newPairingId() };
      this.transaction(() => {
        // An expired request no longer shows its code to anyone, so it must not keep the code taken.
        this.sql.deleteExpiredWithCode.run({ code: row.code, now: row.requestedAt });
        this.sql.insertPairing.run({ ...row, tags: JSON.stringify(row.tags) });
      });
      return { ...row, state: pairingStateAt('pending', row.expiresAt, row.requestedAt), certPem: null };
    });
  }

  getPairingRequest(id: string, now: Date = new Date()): Promise<PairingRequest | null> {
    return this.run(() => {
      const nowIso = isoNow(now);
      const row = isPairingId(id) ? this.sql.getPairing.get(id) : undefined;
      return row === undefined ? null : toPairingRequest(toStoredPairing(row), nowIso);
    });
  }

  findPairingByCode(code: string, now: Date): Promise<PairingRequest | null> {
    return this.run(() => {
      const nowIso = isoNow(now);
      // A code that cannot be one (a typo) names no request, like an unknown one.
      const row = isPairingCode(code) ? this.sql.findPendingByCode.get({ code, now: nowIso }) : undefined;
      return row === undefined ? null : toPairingRequest(toStoredPairing(row), nowIso);
    });
  }

  listPendingPairings(now: Date): Promise<PairingRequest[]> {
    return this.run(() => {
      const nowIso = isoNow(now);
      return this.sql.listPending.all(nowIso).map((row) => toPairingRequest(toStoredPairing(row), nowIso));
    });
  }

  countPendingPairings(now: Date): Promise<number> {
    return this.run(() => this.sql.countPending.get(isoNow(now)) ?? 0);
  }

  approvePairing(id: string, approval: PairingApproval): Promise<AgentRecord> {
    return this.run(() => {
      const a = checkApproval(approval);
      const name = this.transaction(() => {
        const approved = isPairingId(id) ? this.sql.approvePending.get({ id, certPem: a.certPem, now: a.pairedAt }) : undefined;
        if (approved === undefined) throw unapprovable(id, isPairingId(id) ? this.sql.getPairing.get(id) : undefined, a.pairedAt);
        const agentName = approved.agentName;
        const fields = approvedAgentFields(id, { ...approved, tags: parseTags(approved.tags) }, a.overrides);
        this.insertCertificate({ ...a.certificate, agentName });
        this.sql.upsertAgent.run({ name: agentName, tags: JSON.stringify(fields.tags), address: fields.address, version: fields.version, certSerial: a.certificate.serial, pairedAt: a.pairedAt });
        // Re-pairing means a new key: the name's earlier certificates must stop working now, not at expiry.
        this.sql.revokeCertificatesOf.run({ name: agentName, now: a.pairedAt, keep: a.certificate.serial });
        return agentName;
      });
      return this.mustGetAgent(name);
    });
  }

  denyPairing(id: string): Promise<void> {
    return this.run(() => {
      if (isPairingId(id) && this.sql.deletePending.run(id).changes === 1) return;
      throw undeniable(id, isPairingId(id) && this.sql.getPairing.get(id) !== undefined);
    });
  }

  purgeExpiredPairings(now: Date): Promise<number> {
    return this.run(() => this.sql.purgeExpired.run(isoNow(now)).changes);
  }

  recordCertificate(certificate: NewCertificate): Promise<CertificateRecord> {
    return this.run(() => {
      const row = checkNewCertificate(certificate);
      this.insertCertificate(row);
      return { ...row, revokedAt: null };
    });
  }

  getCertificate(serial: string): Promise<CertificateRecord | null> {
    return this.run(() => this.sql.getCertificate.get(canonicalSerial(serial)) ?? null);
  }

  renewAgentCertificate(name: string, certificate: IssuedCertificate): Promise<AgentRecord> {
    return this.run(() => {
      const cert = checkIssuedCertificate(certificate);
      this.transaction(() => {
        const state = isAgentName(name) ? this.sql.agentState.get(name) : undefined;
        if (state === undefined) throw agentNotFound(name);
        // A revoked agent is out of the fleet; only a new, approved pairing may bring it back.
        if (state === 'revoked') throw new RegistryError('AGENT_REVOKED', `agent ${name} is revoked; pair it again`);
        this.insertCertificate({ ...cert, agentName: name });
        this.sql.pointAgentAt.run({ name, serial: cert.serial });
      });
      return this.mustGetAgent(name);
    });
  }

  revokeAgent(name: string, now: Date): Promise<string[]> {
    return this.run(() => {
      const nowIso = isoNow(now);
      return this.transaction(() => {
        if (!isAgentName(name) || this.sql.revokeAgent.run(name).changes === 0) throw agentNotFound(name);
        this.sql.revokeCertificatesOf.run({ name, now: nowIso, keep: null });
        return this.sql.revokedSerialsOf.all(name);
      });
    });
  }

  isSerialRevoked(serial: string): Promise<boolean> {
    return this.run(() => this.sql.isRevoked.get(canonicalSerial(serial)) === 1);
  }

  revokedSerials(): Promise<string[]> {
    return this.run(() => this.sql.revokedSerials.all());
  }

  getAgent(name: string): Promise<AgentRecord | null> {
    return this.run(() => {
      const row = isAgentName(name) ? this.sql.getAgent.get(name) : undefined;
      return row === undefined ? null : toAgent(row);
    });
  }

  listAgents(filter: AgentFilter = {}): Promise<AgentRecord[]> {
    return this.run(() => {
      const f = checkFilter(filter);
      return this.sql.listAgents.all({ tag: f.tag, names: f.names === null ? null : JSON.stringify(f.names) }).map(toAgent);
    });
  }

  markSeen(name: string, now: Date, version?: string | null): Promise<void> {
    return this.run(() => {
      const nowIso = isoNow(now);
      const changed = !isAgentName(name)
        ? 0
        : version === undefined
          ? this.sql.markSeen.run({ name, now: nowIso }).changes
          : this.sql.markSeenWithVersion.run({ name, now: nowIso, version: checkVersion(version) }).changes;
      if (changed === 0) throw agentNotFound(name);
    });
  }

  setTags(name: string, tags: readonly string[]): Promise<AgentRecord> {
    return this.run(() => {
      const json = JSON.stringify(checkTags(tags));
      if (!isAgentName(name) || this.sql.setTags.run({ name, tags: json }).changes === 0) throw agentNotFound(name);
      return this.mustGetAgent(name);
    });
  }

  removeAgent(name: string, now: Date): Promise<void> {
    return this.run(() => {
      const nowIso = isoNow(now);
      this.transaction(() => {
        if (!isAgentName(name) || this.sql.deleteAgent.run(name).changes === 0) throw agentNotFound(name);
        // A removed host's key must not keep passing the TLS check until it expires.
        this.sql.revokeCertificatesOf.run({ name, now: nowIso, keep: null });
      });
    });
  }

  createFleetRun(run: NewFleetRun): Promise<FleetRunRecord> {
    return this.run(() => this.fleetRuns.create(run));
  }

  recordHostDispatched(runId: string, host: string, agentRunId: string): Promise<void> {
    return this.run(() => {
      this.fleetRuns.dispatched(runId, host, agentRunId);
    });
  }

  recordHostResult(runId: string, host: string, result: FleetHostResult): Promise<void> {
    return this.run(() => {
      this.fleetRuns.result(runId, host, result);
    });
  }

  finishFleetRun(runId: string, state: 'finished' | 'cancelled', at: Date): Promise<void> {
    return this.run(() => {
      this.fleetRuns.finish(runId, state, at);
    });
  }

  getFleetRun(id: string): Promise<FleetRunRecord | null> {
    return this.run(() => this.fleetRuns.get(id));
  }

  listFleetRuns(options: FleetRunListOptions = {}): Promise<FleetRunRecord[]> {
    return this.run(() => this.fleetRuns.list(options));
  }

  close(): Promise<void> {
    // SQLite checkpoints the WAL on the last close.
    if (this.db.open) this.db.close();
    return Promise.resolve();
  }

  /** Runs a synchronous body as a promise: its result resolves it, anything it throws rejects it. */
  private run<T>(body: () => T): Promise<T> {
    return new Promise<T>((resolve) => {
      if (!this.db.open) throw new RegistryError('REGISTRY_UNAVAILABLE', 'the registry is closed');
      try {
        resolve(body());
      } catch (err) {
        throw asRegistryError(err, this.db.name);
      }
    });
  }

  private transaction<T>(body: () => T): T {
    return this.db.transaction(body).immediate();
  }

  /** The only way a certificate row is written: the PRIMARY KEY refuses a serial seen before. */
  private insertCertificate(row: CertificateRow & { agentName: string | null }): void {
    try {
      this.sql.insertCertificate.run(row);
    } catch (err) {
      if (err instanceof Database.SqliteError && err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new RegistryError('SERIAL_REUSED', `certificate serial ${row.serial} was already issued; serials are never reused`);
      }
      throw err;
    }
  }

  private mustGetAgent(name: string): AgentRecord {
    const row = this.sql.getAgent.get(name);
    if (row === undefined) throw agentNotFound(name);
    return toAgent(row);
  }
}

/** SQLite failures as registry errors: lock waits that time out mean the registry is unavailable. */
function asRegistryError(err: unknown, where: string): unknown {
  if (err instanceof RegistryError) return err;
  if (err instanceof Database.SqliteError) {
    if (err.code === 'SQLITE_CONSTRAINT_UNIQUE' && err.message.includes('pairing_requests.code')) {
      return new RegistryError('PAIRING_CODE_IN_USE', 'another pending pairing request shows the same code; choose a new code', { cause: err });
    }
    if (/^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL)/.test(err.code)) {
      return new RegistryError('REGISTRY_UNAVAILABLE', `${where}: ${err.message}`, { cause: err });
    }
    if (/^SQLITE_(NOTADB|CORRUPT)/.test(err.code)) return new RegistryError('REGISTRY_INVALID', `${where}: not a usable registry: ${err.message}`, { cause: err });
  }
  return err;
}
