import type pg from 'pg';
import { RegistryError } from '../errors.js';
import { checkAgentRunId, checkFinalRunState, checkHostResult, checkNewFleetRun, checkRunListLimit, fleetRunNotFound, isFleetRunId, isHostName } from '../fleet-run-inputs.js';
import type { FleetHostResult, FleetHostState, FleetRunListOptions, FleetRunRecord, FleetRunState, NewFleetRun } from '../fleet-run-records.js';
import { assembleFleetRuns, type StoredFleetHost, type StoredFleetRun } from '../fleet-run-rows.js';
import { isoNow } from '../validate.js';
import { uniqueViolation } from './failures.js';
import { withTransaction } from './transaction.js';

/** Rows as node-postgres returns them: timestamptz as Date, bigint as text. */
interface RunRow {
  id: string;
  created_at: Date;
  operator: string;
  target: string;
  writ_sha256: string;
  writ_bytes: string;
  state: FleetRunState;
  finished_at: Date | null;
}

interface HostRow {
  run_id: string;
  host: string;
  state: FleetHostState;
  agent_run_id: string | null;
  exit_code: number | null;
  error_code: string | null;
  error_message: string | null;
  finished_at: Date | null;
}

/** Every fleet-run statement; values are bind parameters, only the checked schema identifier is text (see queries.ts). */
function fleetRunQueries(s: string) {
  const runSelect = `SELECT id, created_at, operator, target, writ_sha256, writ_bytes, state, finished_at FROM ${s}.fleet_runs`;
  const hostSelect = `SELECT run_id, host, state, agent_run_id, exit_code, error_code, error_message, finished_at FROM ${s}.fleet_run_hosts`;
  return {
    /** $1 id, $2 created_at, $3 operator, $4 target, $5 writ_sha256, $6 writ_bytes */
    insertRun: `INSERT INTO ${s}.fleet_runs (id, created_at, operator, target, writ_sha256, writ_bytes, state) VALUES ($1, $2, $3, $4, $5, $6, 'running')`,
    /** $1 run_id, $2 hosts in order: position is the index in the array. */
    insertHosts: `INSERT INTO ${s}.fleet_run_hosts (run_id, host, position, state)
      SELECT $1, h.host, h.ord - 1, 'pending' FROM unnest($2::text[]) WITH ORDINALITY AS h (host, ord)`,
    /** $1 run_id, $2 host, $3 agent_run_id */
    dispatched: `UPDATE ${s}.fleet_run_hosts SET state = 'dispatched', agent_run_id = $3 WHERE run_id = $1 AND host = $2 AND state = 'pending'`,
    /** $1 run_id, $2 host, $3 state, $4 exit_code, $5 error_code, $6 error_message, $7 agent_run_id, $8 finished_at. The first outcome recorded stays. */
    result: `UPDATE ${s}.fleet_run_hosts SET state = $3, exit_code = $4, error_code = $5, error_message = $6,
      agent_run_id = COALESCE($7, agent_run_id), finished_at = $8
      WHERE run_id = $1 AND host = $2 AND state IN ('pending', 'dispatched')`,
    /** $1 run_id, $2 host */
    hostExists: `SELECT 1 FROM ${s}.fleet_run_hosts WHERE run_id = $1 AND host = $2`,
    /** $1 id, $2 state, $3 at */
    finish: `UPDATE ${s}.fleet_runs SET state = $2, finished_at = $3 WHERE id = $1 AND state = 'running'`,
    /** $1 id */
    runExists: `SELECT 1 FROM ${s}.fleet_runs WHERE id = $1`,
    /** $1 id */
    getRun: `${runSelect} WHERE id = $1`,
    /** $1 run ids */
    hostsOf: `${hostSelect} WHERE run_id = ANY ($1::text[]) ORDER BY run_id, position`,
    /** $1 limit */
    listRuns: `${runSelect} ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT $1`,
  } as const;
}

const toRun = (row: RunRow): StoredFleetRun => ({
  id: row.id,
  createdAt: row.created_at.toISOString(),
  operator: row.operator,
  target: row.target,
  writSha256: row.writ_sha256,
  writBytes: Number(row.writ_bytes),
  state: row.state,
  finishedAt: row.finished_at?.toISOString() ?? null,
});

const toHost = (row: HostRow): StoredFleetHost => ({
  runId: row.run_id,
  host: row.host,
  state: row.state,
  agentRunId: row.agent_run_id,
  exitCode: row.exit_code,
  errorCode: row.error_code,
  errorMessage: row.error_message,
  finishedAt: row.finished_at?.toISOString() ?? null,
});

/**
 * The fleet-run half of the PostgreSQL registry, on the registry's pool. Its methods run inside
 * PostgresRegistry's `run`, which turns driver failures into RegistryErrors.
 */
export class PostgresFleetRuns {
  private readonly q: ReturnType<typeof fleetRunQueries>;

  constructor(private readonly pool: pg.Pool, schemaIdentifier: string) {
    this.q = fleetRunQueries(schemaIdentifier);
  }

  async create(run: NewFleetRun): Promise<FleetRunRecord> {
    const r = checkNewFleetRun(run);
    await withTransaction(this.pool, async (c) => {
      try {
        await c.query(this.q.insertRun, [r.id, r.createdAt, r.operator, r.target, r.writSha256, r.writBytes]);
      } catch (err) {
        if (uniqueViolation(err) === 'fleet_runs_pkey') throw new RegistryError('FLEET_RUN_EXISTS', `fleet run ${r.id} was already recorded`, { cause: err });
        throw err;
      }
      await c.query(this.q.insertHosts, [r.id, r.hosts]);
    });
    const created = await this.get(r.id);
    if (created === null) throw fleetRunNotFound(r.id);
    return created;
  }

  async dispatched(runId: string, host: string, agentRunId: string): Promise<void> {
    this.key(runId, host);
    if ((await this.pool.query(this.q.dispatched, [runId, host, checkAgentRunId(agentRunId)])).rowCount === 0) await this.assertHost(runId, host);
  }

  async result(runId: string, host: string, result: FleetHostResult): Promise<void> {
    this.key(runId, host);
    const r = checkHostResult(result);
    const changed = (await this.pool.query(this.q.result, [runId, host, r.state, r.exitCode, r.errorCode, r.errorMessage, r.agentRunId, r.finishedAt])).rowCount;
    if (changed === 0) await this.assertHost(runId, host);
  }

  async finish(runId: string, state: 'finished' | 'cancelled', at: Date): Promise<void> {
    const checked = checkFinalRunState(state);
    const atIso = isoNow(at);
    if (!isFleetRunId(runId)) throw fleetRunNotFound(runId);
    if ((await this.pool.query(this.q.finish, [runId, checked, atIso])).rowCount === 0 && (await this.pool.query(this.q.runExists, [runId])).rowCount === 0) {
      throw fleetRunNotFound(runId);
    }
  }

  async get(id: string): Promise<FleetRunRecord | null> {
    if (!isFleetRunId(id)) return null;
    const run = (await this.pool.query<RunRow>(this.q.getRun, [id])).rows[0];
    if (run === undefined) return null;
    const hosts = (await this.pool.query<HostRow>(this.q.hostsOf, [[id]])).rows;
    return assembleFleetRuns([toRun(run)], hosts.map(toHost))[0] ?? null;
  }

  async list(options: FleetRunListOptions): Promise<FleetRunRecord[]> {
    const runs = (await this.pool.query<RunRow>(this.q.listRuns, [checkRunListLimit(options)])).rows.map(toRun);
    if (runs.length === 0) return [];
    const hosts = (await this.pool.query<HostRow>(this.q.hostsOf, [runs.map((r) => r.id)])).rows;
    return assembleFleetRuns(runs, hosts.map(toHost));
  }

  private key(runId: string, host: string): void {
    if (!isFleetRunId(runId) || !isHostName(host)) throw fleetRunNotFound(runId, host);
  }

  /** An update that matched nothing: fine for a host already final, FLEET_RUN_NOT_FOUND for an unknown one. */
  private async assertHost(runId: string, host: string): Promise<void> {
    if ((await this.pool.query(this.q.hostExists, [runId, host])).rowCount === 0) throw fleetRunNotFound(runId, host);
  }
}
