import Database from 'better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import { RegistryError } from '../errors.js';
import { checkAgentRunId, checkFinalRunState, checkHostResult, checkNewFleetRun, checkRunListLimit, fleetRunNotFound, isFleetRunId, isHostName } from '../fleet-run-inputs.js';
import type { FleetHostResult, FleetRunListOptions, FleetRunRecord, NewFleetRun } from '../fleet-run-records.js';
import { assembleFleetRuns, type StoredFleetHost, type StoredFleetRun } from '../fleet-run-rows.js';
import { isoNow } from '../validate.js';

type Db = BetterSqlite3.Database;
type Stmt<P extends unknown[], R = unknown> = BetterSqlite3.Statement<P, R>;

const RUN_SELECT = `SELECT id, created_at AS createdAt, operator, target, writ_sha256 AS writSha256, writ_bytes AS writBytes,
  state, finished_at AS finishedAt FROM fleet_runs`;
const HOST_SELECT = `SELECT run_id AS runId, host, state, agent_run_id AS agentRunId, exit_code AS exitCode,
  error_code AS errorCode, error_message AS errorMessage, finished_at AS finishedAt FROM fleet_run_hosts`;

type HostKey = { runId: string; host: string };

interface Statements {
  readonly insertRun: Stmt<[Omit<StoredFleetRun, 'state' | 'finishedAt'>]>;
  readonly insertHost: Stmt<[{ runId: string; host: string; position: number }]>;
  readonly dispatched: Stmt<[HostKey & { agentRunId: string }]>;
  readonly result: Stmt<[HostKey & Omit<StoredFleetHost, 'runId' | 'host'>]>;
  readonly hostExists: Stmt<[HostKey], number>;
  readonly finish: Stmt<[{ id: string; state: string; at: string }]>;
  readonly runExists: Stmt<[string], number>;
  readonly getRun: Stmt<[string], StoredFleetRun>;
  readonly hostsOf: Stmt<[string], StoredFleetHost>;
  readonly listRuns: Stmt<[number], StoredFleetRun>;
  readonly hostsOfRuns: Stmt<[string], StoredFleetHost>;
}

/**
 * The fleet-run half of the SQLite registry. Its methods are synchronous and run inside
 * SqliteRegistry's `run`, which turns what they throw into RegistryErrors.
 */
export class SqliteFleetRuns {
  private readonly sql: Statements;

  constructor(private readonly db: Db) {
    this.sql = {
      insertRun: db.prepare(`INSERT INTO fleet_runs (id, created_at, operator, target, writ_sha256, writ_bytes, state)
        VALUES (@id, @createdAt, @operator, @target, @writSha256, @writBytes, 'running')`),
      insertHost: db.prepare("INSERT INTO fleet_run_hosts (run_id, host, position, state) VALUES (@runId, @host, @position, 'pending')"),
      dispatched: db.prepare("UPDATE fleet_run_hosts SET state = 'dispatched', agent_run_id = @agentRunId WHERE run_id = @runId AND host = @host AND state = 'pending'"),
      // Only a host not yet final takes a result: the first outcome recorded stays.
      result: db.prepare(`UPDATE fleet_run_hosts SET state = @state, exit_code = @exitCode, error_code = @errorCode, error_message = @errorMessage,
        agent_run_id = COALESCE(@agentRunId, agent_run_id), finished_at = @finishedAt
        WHERE run_id = @runId AND host = @host AND state IN ('pending', 'dispatched')`),
      hostExists: db.prepare<[HostKey], number>('SELECT 1 FROM fleet_run_hosts WHERE run_id = @runId AND host = @host').pluck(),
      finish: db.prepare("UPDATE fleet_runs SET state = @state, finished_at = @at WHERE id = @id AND state = 'running'"),
      runExists: db.prepare<[string], number>('SELECT 1 FROM fleet_runs WHERE id = ?').pluck(),
      getRun: db.prepare<[string], StoredFleetRun>(`${RUN_SELECT} WHERE id = ?`),
      hostsOf: db.prepare<[string], StoredFleetHost>(`${HOST_SELECT} WHERE run_id = ? ORDER BY position`),
      listRuns: db.prepare<[number], StoredFleetRun>(`${RUN_SELECT} ORDER BY created_at DESC, id DESC LIMIT ?`),
      // Ids travel as one JSON array, matched with json_each: exact comparisons, one statement.
      hostsOfRuns: db.prepare<[string], StoredFleetHost>(`${HOST_SELECT} WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY run_id, position`),
    };
  }

  create(run: NewFleetRun): FleetRunRecord {
    const row = checkNewFleetRun(run);
    try {
      this.db.transaction(() => {
        this.sql.insertRun.run({ id: row.id, createdAt: row.createdAt, operator: row.operator, target: row.target, writSha256: row.writSha256, writBytes: row.writBytes });
        row.hosts.forEach((host, position) => this.sql.insertHost.run({ runId: row.id, host, position }));
      }).immediate();
    } catch (err) {
      if (err instanceof Database.SqliteError && err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new RegistryError('FLEET_RUN_EXISTS', `fleet run ${row.id} was already recorded`);
      throw err;
    }
    return this.mustGet(row.id);
  }

  dispatched(runId: string, host: string, agentRunId: string): void {
    const key = this.key(runId, host);
    if (this.sql.dispatched.run({ ...key, agentRunId: checkAgentRunId(agentRunId) }).changes === 0) this.assertHost(key);
  }

  result(runId: string, host: string, result: FleetHostResult): void {
    const key = this.key(runId, host);
    const r = checkHostResult(result);
    const changed = this.sql.result.run({ ...key, state: r.state, exitCode: r.exitCode, errorCode: r.errorCode, errorMessage: r.errorMessage, agentRunId: r.agentRunId, finishedAt: r.finishedAt }).changes;
    if (changed === 0) this.assertHost(key);
  }

  finish(runId: string, state: 'finished' | 'cancelled', at: Date): void {
    const row = { id: runId, state: checkFinalRunState(state), at: isoNow(at) };
    if (!isFleetRunId(runId)) throw fleetRunNotFound(runId);
    if (this.sql.finish.run(row).changes === 0 && this.sql.runExists.get(runId) === undefined) throw fleetRunNotFound(runId);
  }

  get(id: string): FleetRunRecord | null {
    if (!isFleetRunId(id)) return null;
    const run = this.sql.getRun.get(id);
    return run === undefined ? null : (assembleFleetRuns([run], this.sql.hostsOf.all(id))[0] ?? null);
  }

  list(options: FleetRunListOptions): FleetRunRecord[] {
    const runs = this.sql.listRuns.all(checkRunListLimit(options));
    return assembleFleetRuns(runs, runs.length === 0 ? [] : this.sql.hostsOfRuns.all(JSON.stringify(runs.map((r) => r.id))));
  }

  private key(runId: string, host: string): HostKey {
    if (!isFleetRunId(runId) || !isHostName(host)) throw fleetRunNotFound(runId, host);
    return { runId, host };
  }

  /** An update that matched nothing: fine for a host already final, FLEET_RUN_NOT_FOUND for an unknown one. */
  private assertHost(key: HostKey): void {
    if (this.sql.hostExists.get(key) === undefined) throw fleetRunNotFound(key.runId, key.host);
  }

  private mustGet(id: string): FleetRunRecord {
    const run = this.get(id);
    if (run === null) throw fleetRunNotFound(id);
    return run;
  }
}
