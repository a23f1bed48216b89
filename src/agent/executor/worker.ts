/**
 * Entry of an executor worker thread (started by ExecutorPool). It runs the jobs it receives one at a
 * time: validates the policy texts, runs the script with runScript, and posts the live output and
 * the final report. An unexpected error becomes a `crashed` message and the worker waits for the
 * next job. Cancellation is not handled here: the pool terminates the whole thread, which also stops
 * a guest spinning inside WebAssembly.
 *
 * The time zone is process-wide and cannot be set per thread; the pool checks that the process runs
 * with TZ=UTC.
 */
import { parentPort } from 'node:worker_threads';
import { messageOf } from '../../core/errors.js';
import { PolicyError, validatePolicy, type ValidatedPolicy } from '../../policy/index.js';
import { rejectedReport, runScript, type RunReport } from '../../runner/index.js';
import { enableSpareInstances } from '../../sandbox/index.js';
import type { ExecJob, ExecWorkerMessage } from './job.js';

// A worker lives for many runs: let it prepare each next sandbox instance while idle (~7 ms a run).
enableSpareInstances();

const port = parentPort;
if (port === null) throw new Error('agent/executor/worker.ts must be started as a worker thread');

function post(message: ExecWorkerMessage): void {
  port?.postMessage(message);
}

type Checked =
  | { readonly ok: true; readonly policy: ValidatedPolicy; readonly ceiling: ValidatedPolicy | null }
  | { readonly ok: false; readonly report: RunReport };

/** Validates once more here: the proof that a policy was validated does not survive the copy. */
/**
 * Validated policies by path and text. A ValidatedPolicy is immutable, and the ceiling (and often a
 * fleet's policy) is the same text job after job: validating it once per worker saves a Cedar
 * validation per run. Bounded, oldest dropped first.
 */
const validated = new Map<string, ValidatedPolicy>();
const MAX_CACHED_POLICIES = 64;

function validateCached(path: string, text: string): ValidatedPolicy {
  const key = `${path}\0${text}`;
  const hit = validated.get(key);
  if (hit) return hit;
  const policy = validatePolicy({ path, text });
  if (validated.size >= MAX_CACHED_POLICIES) validated.delete(validated.keys().next().value ?? '');
  validated.set(key, policy);
  return policy;
}

function validateJobPolicies(job: ExecJob): Checked {
  try {
    const policy = validateCached(job.policyPath, job.policyText);
    const ceiling = job.ceilingText === null ? null : validateCached(job.ceilingPath ?? 'ceiling.cedar', job.ceilingText);
    return { ok: true, policy, ceiling };
  } catch (err) {
    if (err instanceof PolicyError) return { ok: false, report: rejectedReport(err.code, err.message) };
    throw err;
  }
}

async function execute(job: ExecJob): Promise<void> {
  const runId = job.runId;
  try {
    const checked = validateJobPolicies(job);
    if (!checked.ok) {
      post({ type: 'done', runId, report: checked.report });
      return;
    }
    const report = await runScript({
      script: job.script,
      args: job.args,
      policy: checked.policy,
      ceiling: checked.ceiling,
      limits: job.limits,
      user: job.user,
      learn: false,
      inputs: new Map(job.inputs),
      onOutput: (chunk) => {
        post({ type: 'output', runId, stream: chunk.stream, text: chunk.text });
      },
    });
    post({ type: 'done', runId, report });
  } catch (err) {
    post({ type: 'crashed', runId, message: messageOf(err) });
  }
}

/**
 * Loads and compiles Cedar and QuickJS once, before the first real job: a trivial policy and script
 * through the same path. Jobs that arrive meanwhile wait in the queue; a failure here is ignored,
 * since the real job will report it properly.
 */
async function warmUp(): Promise<void> {
  try {
    const policy = validatePolicy({ path: 'warm-up.cedar', text: 'forbid(principal, action, resource);' });
    await runScript({
      script: { filename: 'warm-up.js', text: '1', language: 'js' },
      args: {},
      policy,
      ceiling: null,
      limits: { timeoutMs: 5000, memoryMiB: 16, maxOps: 10, maxOutputBytes: 1024 },
      user: { username: 'warm-up', uid: 65534, groupname: 'nogroup', gid: 65534 },
      learn: false,
    });
  } catch {
    // see above
  }
}

// The pool sends one job at a time; chaining keeps that true even if it ever did not.
let queue: Promise<void> = warmUp();
port.on('message', (job: ExecJob) => {
  queue = queue.then(() => execute(job));
});
