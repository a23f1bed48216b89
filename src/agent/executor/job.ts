import type { JsonObject } from '../../core/json.js';
import type { RunLimits, RunReport } from '../../runner/index.js';
import type { HostUser } from '../../sandbox/sdk/context.js';

/**
 * One run as it crosses to an executor worker. Plain data only (structured clone): policies travel
 * as text and are validated again inside the worker, because a ValidatedPolicy's proof of origin is
 * a WeakSet membership that does not survive the copy.
 */
export interface ExecJob {
  /** Unique among the runs in flight on one pool; `ExecutorPool.cancel` finds a run by it. */
  readonly runId: string;
  readonly script: { filename: string; text: string; language: 'js' | 'ts' };
  /** The writ's own policy (Cedar text) and the name it is reported under. */
  readonly policyText: string;
  readonly policyPath: string;
  /** The host owner's ceiling, or null for none. */
  readonly ceilingText: string | null;
  readonly ceilingPath: string | null;
  readonly args: JsonObject;
  readonly limits: RunLimits;
  readonly user: HostUser;
  /** The writ's sealed input files as name/bytes pairs (copied to the worker, never transferred). */
  readonly inputs: readonly (readonly [string, Uint8Array])[];
}

/** Output as the guest produces it, posted while the run is still going (live streaming). */
export interface ExecOutputMessage {
  readonly type: 'output';
  readonly runId: string;
  readonly stream: 'stdout' | 'log';
  readonly text: string;
}

/** The run ended (any status, `rejected` included): the report `writ run` would print. */
export interface ExecDoneMessage {
  readonly type: 'done';
  readonly runId: string;
  readonly report: RunReport;
}

/** The worker hit an unexpected error running the job; it stays usable for the next one. */
export interface ExecCrashedMessage {
  readonly type: 'crashed';
  readonly runId: string;
  readonly message: string;
}

/** Every message an executor worker sends to the main thread. */
export type ExecWorkerMessage = ExecOutputMessage | ExecDoneMessage | ExecCrashedMessage;

/** How a run on the pool ended. */
export type ExecOutcome =
  | { readonly kind: 'finished'; readonly report: RunReport }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'crashed'; readonly message: string };

/** One piece of live output handed to `ExecutorPool.run`'s listener. */
export interface ExecOutputChunk {
  readonly stream: 'stdout' | 'log';
  readonly text: string;
}
