import type { OperationBudget } from '../budget.js';
import type { Gate } from '../gate.js';

/** The host user the script acts as; REX's execute request carries it in its context. */
export interface HostUser {
  readonly username: string;
  readonly uid: number;
  readonly groupname: string;
  readonly gid: number;
}

/** Everything an SDK module needs, resolved by the runner before the script starts. */
export interface SdkContext {
  readonly gate: Gate;
  readonly budget: OperationBudget;
  readonly user: HostUser;
  /** Monotonic ms (core/clock monotonicMs) after which blocking host calls must give up. */
  readonly deadline: number;
  /** Largest file, HTTP body or process output the SDK will bring into the sandbox. */
  readonly maxReadBytes: number;
  /** The sealed writ's input files by name; signed with the writ, so reading them needs no Cedar. */
  readonly inputs?: ReadonlyMap<string, Uint8Array>;
}
