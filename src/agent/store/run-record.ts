/**
 * The shapes the run store keeps and hands out. Timestamps are ISO-8601 UTC strings (what
 * `Date.prototype.toISOString` gives), so they sort as text and travel as JSON unchanged.
 */

export type RunState = 'queued' | 'running' | 'succeeded' | 'failed' | 'denied' | 'timeout' | 'limit' | 'rejected' | 'interrupted' | 'cancelled';

/** Every state, in lifecycle order (schema CHECK constraint and stats use the same list). */
export const RUN_STATES: readonly RunState[] = ['queued', 'running', 'succeeded', 'failed', 'denied', 'timeout', 'limit', 'rejected', 'interrupted', 'cancelled'];

/** States a run never leaves: no more output, no second result. */
export const FINAL_STATES: ReadonlySet<RunState> = new Set<RunState>(['succeeded', 'failed', 'denied', 'timeout', 'limit', 'rejected', 'interrupted', 'cancelled']);

/** The state a run has before `finish`; anything else is final. */
export type ActiveRunState = 'queued' | 'running';

/** The states `finish` may set: `rejected` is only ever set at creation, before the run could start. */
export type FinishState = Exclude<RunState, ActiveRunState | 'rejected'>;

export type OutputStream = 'stdout' | 'log';

export interface RunRecord {
  readonly id: string;
  readonly writId: string | null;
  readonly digest: string | null;
  readonly signer: string | null;
  readonly transport: string;
  readonly state: RunState;
  readonly exitCode: number | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  /** The final RunReport JSON text, stored verbatim (parsing is the reader's business). */
  readonly report: string | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  /** Bytes of output stored so far: the offset the next chunk will get. */
  readonly outputBytes: number;
}

/** What intake knows when it accepts (or refuses) a writ. */
export interface NewRun {
  readonly id: string;
  readonly writId: string | null;
  readonly digest: string | null;
  readonly signer: string | null;
  readonly transport: string;
}

/** Why a run was refused at creation (state `rejected`). */
export interface RejectionInfo {
  readonly code: string;
  readonly message: string;
  readonly report?: string;
}

/** A run's outcome, written once by `finish`. */
export interface RunResult {
  readonly state: FinishState;
  readonly exitCode: number | null;
  readonly errorCode?: string | null;
  readonly errorMessage?: string | null;
  readonly report?: string | null;
}

/** A byte range of a run's output, for clients that poll by offset. */
export interface OutputSlice {
  readonly bytes: Buffer;
  readonly offset: number;
  readonly nextOffset: number;
  /** The run is final and every byte of its output has been returned. */
  readonly done: boolean;
}

/** One stored append, as live event streams replay it. */
export interface OutputChunk {
  readonly seq: number;
  readonly stream: OutputStream;
  readonly offset: number;
  readonly data: Buffer;
}

export interface ListOptions {
  /** Default 100, at most 1000 (larger values are clamped). */
  readonly limit?: number;
  readonly state?: RunState;
  /** Only runs created strictly before this instant (any `Date`-parsable string); for paging. */
  readonly before?: string;
}

export interface PruneOptions {
  /** Final runs created longer ago than this are deleted. */
  readonly maxAgeMs?: number;
  /** Then the oldest final runs are deleted until all stored output fits in this many bytes. */
  readonly maxBytes?: number;
  readonly now?: Date;
}

export interface PruneResult {
  readonly runs: number;
  readonly bytes: number;
}

export interface StoreStats {
  readonly runs: number;
  /** Every state, zero included, so metrics see a stable label set. */
  readonly byState: Record<string, number>;
  readonly outputBytes: number;
}
