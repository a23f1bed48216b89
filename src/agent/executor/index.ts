// Public face of src/agent/executor: runs ExecJobs on a pool of worker threads.
export { ExecutorPool, defaultWorkerUrl } from './pool.js';
export type { ExecutorPoolOptions } from './pool.js';
export type {
  ExecJob,
  ExecOutcome,
  ExecOutputChunk,
  ExecWorkerMessage,
  ExecOutputMessage,
  ExecDoneMessage,
  ExecCrashedMessage,
} from './job.js';
