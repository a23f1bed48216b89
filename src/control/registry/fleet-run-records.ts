import type { Instant } from './records.js';

/**
 * What the registry remembers of a fleet run (one `POST /v1/fleet/runs` fanned out to agents), so
 * an operator can look at it again, follow it from another terminal, or cancel it after the
 * request that started it has ended. Times are ISO-8601 UTC strings, as for every other record.
 */

/** `running` until the fan-out ends; `cancelled` when an operator stopped it first. */
export type FleetRunState = 'running' | 'finished' | 'cancelled';

/**
 * `pending`: not yet sent to its agent; `dispatched`: the agent accepted it (agentRunId set);
 * `finished`: a final outcome is recorded; `skipped`: never sent (too many failures, or cancelled).
 */
export type FleetHostState = 'pending' | 'dispatched' | 'finished' | 'skipped';

export interface FleetErrorRecord {
  readonly code: string;
  readonly message: string;
}

export interface FleetHostRecord {
  readonly host: string;
  readonly state: FleetHostState;
  /** The run's id on the agent, once it accepted (or refused with a run of its own). */
  readonly agentRunId: string | null;
  /** The agent's exit code exactly as reported; null when the host never ran it. */
  readonly exitCode: number | null;
  readonly error: FleetErrorRecord | null;
  readonly finishedAt: string | null;
}

export interface FleetRunRecord {
  /** Random (a UUID) chosen by the control host: it names the run to every later command. */
  readonly id: string;
  readonly createdAt: string;
  /** Who started it, as the operator API admitted them (`api-token`, `control-certificate`). */
  readonly operator: string;
  /** TARGET as the operator typed it. */
  readonly target: string;
  readonly writSha256: string;
  readonly writBytes: number;
  readonly state: FleetRunState;
  readonly finishedAt: string | null;
  /** In the order the target resolved them. */
  readonly hosts: readonly FleetHostRecord[];
}

export interface NewFleetRun {
  readonly id: string;
  readonly operator: string;
  readonly target: string;
  readonly writSha256: string;
  readonly writBytes: number;
  /** Agent names, each once, in dispatch order; every one starts `pending`. */
  readonly hosts: readonly string[];
  readonly createdAt: Instant;
}

/** A host's final outcome; the first one recorded for a host stays. */
export interface FleetHostResult {
  readonly status: 'finished' | 'skipped';
  readonly exitCode: number | null;
  readonly error: FleetErrorRecord | null;
  /** Set when the agent named a run even though it did not accept the writ (a refusal). */
  readonly agentRunId?: string | null;
  readonly finishedAt: Instant;
}

export interface FleetRunListOptions {
  /** At most this many, newest first (default 20, at most 1000). */
  readonly limit?: number;
}
