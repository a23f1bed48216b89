/**
 * Test double of the executor worker, for the pool's crash handling: a job whose runId starts with
 * `exit` ends the thread as a native crash would; one starting with `throw` raises an uncaught error;
 * any other job is answered at once with a rejected report.
 */
import { parentPort } from 'node:worker_threads';
import { rejectedReport } from '../../../runner/index.js';
import type { ExecJob, ExecWorkerMessage } from '../job.js';

const port = parentPort;
if (port === null) throw new Error('dying-worker.ts must be started as a worker thread');

port.on('message', (job: ExecJob) => {
  if (job.runId.startsWith('exit')) process.exit(7);
  if (job.runId.startsWith('throw')) throw new Error('dying-worker: thrown on purpose');
  const done: ExecWorkerMessage = { type: 'done', runId: job.runId, report: rejectedReport('FIXTURE', 'answered by the test double') };
  port.postMessage(done);
});
