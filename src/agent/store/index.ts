export { RunStoreError, type RunStoreErrorCode } from './errors.js';
export {
  FINAL_STATES,
  RUN_STATES,
  type ActiveRunState,
  type FinishState,
  type ListOptions,
  type NewRun,
  type OutputChunk,
  type OutputSlice,
  type OutputStream,
  type PruneOptions,
  type PruneResult,
  type RejectionInfo,
  type RunRecord,
  type RunResult,
  type RunState,
  type StoreStats,
} from './run-record.js';
export { APPLICATION_ID, SCHEMA_VERSION, type SynchronousMode } from './schema.js';
export {
  DEFAULT_CHUNK_LIMIT,
  DEFAULT_LIST_LIMIT,
  DEFAULT_READ_BYTES,
  MAX_LIST_LIMIT,
  MAX_READ_BYTES,
  REJECTED_EXIT_CODE,
  SqliteRunStore,
  type OpenOptions,
} from './sqlite-run-store.js';
