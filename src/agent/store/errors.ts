import { WritError } from '../../core/errors.js';

/**
 * Raised by the run store on purpose. Codes:
 * - RUN_NOT_FOUND: no run has that id (it never existed or was pruned).
 * - RUN_EXISTS: `create` with an id already in use (ids are chosen by the agent, so this is a bug).
 * - RUN_FINISHED: append, mark running or finish on a run that is already final.
 * - RUN_NOT_QUEUED: `markRunning` on a run that is already running.
 * - STORE_UNUSABLE: the database cannot be opened, or is not a writ run store of a known version.
 * - STORE_CLOSED: the store was used after `close`.
 */
export class RunStoreError extends WritError {}

export type RunStoreErrorCode = 'RUN_NOT_FOUND' | 'RUN_EXISTS' | 'RUN_FINISHED' | 'RUN_NOT_QUEUED' | 'STORE_UNUSABLE' | 'STORE_CLOSED';

/** Typed constructor, so a misspelt code is a compile error rather than a silent new code. */
export function runStoreError(code: RunStoreErrorCode, message: string, options?: { cause?: unknown }): RunStoreError {
  return new RunStoreError(code, message, options);
}
