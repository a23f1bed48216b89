import type { FleetHostRecord, FleetHostState, FleetRunRecord } from './fleet-run-records.js';

/** A fleet run and its hosts as both back ends read them (times already ISO strings), before assembly. */
export type StoredFleetRun = Omit<FleetRunRecord, 'hosts'>;

export interface StoredFleetHost {
  readonly runId: string;
  readonly host: string;
  readonly state: FleetHostState;
  readonly agentRunId: string | null;
  readonly exitCode: number | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly finishedAt: string | null;
}

function toHost(row: StoredFleetHost): FleetHostRecord {
  return {
    host: row.host,
    state: row.state,
    agentRunId: row.agentRunId,
    exitCode: row.exitCode,
    // The table CHECKs that both parts are set or neither.
    error: row.errorCode === null ? null : { code: row.errorCode, message: row.errorMessage ?? '' },
    finishedAt: row.finishedAt,
  };
}

/** Runs in the order given, each with its hosts (`hosts` must already be in dispatch order). */
export function assembleFleetRuns(runs: readonly StoredFleetRun[], hosts: readonly StoredFleetHost[]): FleetRunRecord[] {
  const byRun = new Map<string, FleetHostRecord[]>();
  for (const row of hosts) {
    const list = byRun.get(row.runId) ?? [];
    list.push(toHost(row));
    byRun.set(row.runId, list);
  }
  return runs.map((run) => ({ ...run, hosts: byRun.get(run.id) ?? [] }));
}
