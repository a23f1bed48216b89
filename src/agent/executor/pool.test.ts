/**
 * ExecutorPool with its real worker: real policies, real files, scripts run in worker threads.
 * The pool requires a UTC process (the time zone is process-wide), so TZ is set before it is loaded.
 */
process.env['TZ'] = 'UTC';

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { hasCode } from '../../core/errors.js';
import { DEFAULT_LIMITS, currentHostUser, type RunLimits, type RunReport } from '../../runner/index.js';
import type { ExecJob, ExecOutcome, ExecOutputChunk } from './index.js';

const { ExecutorPool } = await import('./index.js');

const PERMIT_ALL = 'permit(principal, action, resource);';
const PERMIT_OPEN_READ = 'permit(principal, action in [file_system::Action::"open", file_system::Action::"read"], resource);';

let nextId = 0;

interface JobOptions {
  readonly policy?: string;
  readonly ceiling?: string | null;
  readonly limits?: Partial<RunLimits>;
  readonly inputs?: readonly (readonly [string, Uint8Array])[];
  readonly runId?: string;
}

function job(text: string, options: JobOptions = {}): ExecJob {
  nextId++;
  return {
    runId: options.runId ?? `run-${nextId}`,
    script: { filename: 'script.js', text, language: 'js' },
    policyText: options.policy ?? '',
    policyPath: 'policy.cedar',
    ceilingText: options.ceiling ?? null,
    ceilingPath: options.ceiling === undefined || options.ceiling === null ? null : '/etc/writ/ceiling.cedar',
    args: {},
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    user: currentHostUser(),
    inputs: options.inputs ?? [],
  };
}

function tempDir(): { path: string; [Symbol.dispose](): void } {
  const path = realpathSync(mkdtempSync(join(tmpdir(), 'writ-executor-')));
  return {
    path,
    [Symbol.dispose]() {
      rmSync(path, { recursive: true, force: true });
    },
  };
}

function finished(outcome: ExecOutcome): RunReport {
  assert.equal(outcome.kind, 'finished', JSON.stringify(outcome));
  if (outcome.kind !== 'finished') throw new Error('unreachable');
  return outcome.report;
}

const ignore = (): void => undefined;

/** The last decision, without its repeat count. */
function lastDecision(report: RunReport): { action: string; resource: string; decision: string } | undefined {
  const d = report.decisions.at(-1);
  return d && { action: d.action, resource: d.resource, decision: d.decision };
}

/** Resolves with the first output chunk of a run (proof the script is running in its worker). */
function firstOutput(): { listener: (chunk: ExecOutputChunk) => void; started: Promise<void> } {
  let mark = ignore;
  const started = new Promise<void>((resolve) => {
    mark = resolve;
  });
  return { listener: () => mark(), started };
}

async function assertRejectsCode(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => hasCode(err, code));
}

test('a run streams stdout and log output before it resolves, and reports like writ run', async () => {
  using dir = tempDir();
  const file = join(dir.path, 'data.txt');
  writeFileSync(file, 'forty-two');
  await using pool = new ExecutorPool({ size: 1 });
  const chunks: { chunk: ExecOutputChunk; at: number }[] = [];
  let settledAt = Number.NaN;
  const script = [
    `for (let i = 0; i < 5; i++) { console.log('line ' + i); log.info('note ' + i); }`,
    'const t = Date.now(); while (Date.now() - t < 400) {}',
    `fs.read(${JSON.stringify(file)})`,
  ].join('\n');
  const pending = pool.run(job(script, { policy: PERMIT_OPEN_READ }), (chunk) => chunks.push({ chunk, at: performance.now() }));
  assert.equal(pool.busy, 1);
  const report = finished(
    await pending.then((outcome) => {
      settledAt = performance.now();
      return outcome;
    }),
  );
  assert.equal(report.status, 'succeeded');
  assert.equal(report.result, 'forty-two');
  assert.equal(report.error, null);
  assert.equal(report.stdout, 'line 0\nline 1\nline 2\nline 3\nline 4\n');
  assert.deepEqual(report.logs.map((l) => l.msg), ['note 0', 'note 1', 'note 2', 'note 3', 'note 4']);
  assert.deepEqual(lastDecision(report), { action: 'file_system::Action::"read"', resource: `file_system::File::"${file}"`, decision: 'allow' });
  assert.ok(report.decisions.every((d) => d.decision === 'allow'));
  assert.equal(pool.busy, 0);

  const stdout = chunks.filter((c) => c.chunk.stream === 'stdout').map((c) => c.chunk.text).join('');
  assert.equal(stdout, report.stdout);
  assert.equal(chunks.filter((c) => c.chunk.stream === 'log').length, 5);
  // The output was produced before the 400 ms spin: it must have arrived well before the run ended.
  const first = chunks[0];
  assert.ok(first !== undefined && settledAt - first.at > 200, `first chunk ${first?.at}, settled ${settledAt}`);
});

test('a denied operation ends the run as denied', async () => {
  using dir = tempDir();
  const file = join(dir.path, 'secret.txt');
  writeFileSync(file, 'secret');
  await using pool = new ExecutorPool({ size: 1 });
  const report = finished(await pool.run(job(`fs.read(${JSON.stringify(file)})`, { policy: '' }), ignore));
  assert.equal(report.status, 'denied');
  assert.equal(report.error?.code, 'ACCESS_DENIED');
  assert.equal(report.decisions.at(-1)?.decision, 'deny');
});

test('an invalid policy or ceiling is rejected with POLICY_INVALID before the script runs', async () => {
  using dir = tempDir();
  const marker = join(dir.path, 'must-not-exist');
  await using pool = new ExecutorPool({ size: 1 });
  const script = `fs.write(${JSON.stringify(marker)}, 'x')`;
  const bad = 'permit(principal, action == file_system::Action::"reed", resource);';
  const byPolicy = finished(await pool.run(job(script, { policy: bad }), ignore));
  assert.equal(byPolicy.status, 'rejected');
  assert.equal(byPolicy.error?.code, 'POLICY_INVALID');
  const byCeiling = finished(await pool.run(job(script, { policy: PERMIT_ALL, ceiling: bad }), ignore));
  assert.equal(byCeiling.status, 'rejected');
  assert.equal(byCeiling.error?.code, 'POLICY_INVALID');
  assert.deepEqual(byCeiling.decisions, []);
});

test('the main event loop keeps ticking while a worker spins', async () => {
  await using pool = new ExecutorPool({ size: 1 });
  let ticks = 0;
  const timer = setInterval(() => {
    ticks++;
  }, 20);
  try {
    const report = finished(await pool.run(job('for (;;) {}', { limits: { timeoutMs: 2000 } }), ignore));
    assert.equal(report.status, 'timeout');
  } finally {
    clearInterval(timer);
  }
  assert.ok(ticks >= 10, `only ${ticks} ticks during a 2 s run`);
});

test('cancel stops a spinning run within 1 s and the pool runs the next job', async () => {
  await using pool = new ExecutorPool({ size: 1 });
  const spin = job("console.log('spinning'); for (;;) {}");
  const { listener, started } = firstOutput();
  const pending = pool.run(spin, listener);
  await started;
  const t0 = performance.now();
  assert.equal(pool.cancel(spin.runId), true);
  assert.deepEqual(await pending, { kind: 'cancelled' });
  assert.ok(performance.now() - t0 < 1000);
  assert.equal(pool.cancel(spin.runId), false);
  assert.equal(pool.cancel('no-such-run'), false);
  assert.equal(pool.busy, 0);
  assert.equal(pool.workers, 1, 'a replacement worker was started');
  const next = finished(await pool.run(job('1 + 1'), ignore));
  assert.equal(next.status, 'succeeded');
  assert.equal(next.result, 2);
});

test('EXECUTOR_BUSY when every worker is busy; a run id in progress cannot be reused', async () => {
  await using pool = new ExecutorPool({ size: 1 });
  const spin = job("console.log('spinning'); for (;;) {}");
  const { listener, started } = firstOutput();
  const pending = pool.run(spin, listener);
  await started;
  await assertRejectsCode(pool.run(job('1'), ignore), 'EXECUTOR_BUSY');
  await assertRejectsCode(pool.run(job('1', { runId: spin.runId }), ignore), 'EXECUTOR_DUPLICATE_RUN');
  assert.equal(pool.busy, 1);
  pool.cancel(spin.runId);
  assert.deepEqual(await pending, { kind: 'cancelled' });
});

test('two jobs run in parallel on a pool of two', async () => {
  await using pool = new ExecutorPool({ size: 2 });
  // Warm both workers first, so that start-up time does not decide whether the runs overlap.
  await Promise.all([pool.run(job('0'), ignore), pool.run(job('0'), ignore)]);
  assert.equal(pool.workers, 2);
  const script = (mine: string): string => `
    const start = Date.now(); while (Date.now() - start < 500) {}
    [${JSON.stringify(mine)}, start, Date.now()]`;
  const a = pool.run(job(script('a')), ignore);
  const b = pool.run(job(script('b')), ignore);
  assert.equal(pool.busy, 2);
  const [ra, rb] = (await Promise.all([a, b])).map((o) => finished(o).result as [string, number, number]);
  assert.equal(ra?.[0], 'a');
  assert.equal(rb?.[0], 'b');
  assert.equal(pool.busy, 0);
  // The two 500 ms spins overlapped in time: each started before the other ended.
  assert.ok(ra !== undefined && rb !== undefined && ra[1] < rb[2] && rb[1] < ra[2], JSON.stringify([ra, rb]));
});

test('the ceiling binds: an operation the policy allows but the ceiling does not is denied', async () => {
  using dir = tempDir();
  const file = join(dir.path, 'data.txt');
  writeFileSync(file, 'content');
  await using pool = new ExecutorPool({ size: 1 });
  const script = `fs.read(${JSON.stringify(file)})`;
  const ceiling = 'permit(principal, action == file_system::Action::"open", resource);';

  const free = finished(await pool.run(job(script, { policy: PERMIT_ALL }), ignore));
  assert.equal(free.status, 'succeeded');
  assert.equal(free.result, 'content');

  const capped = finished(await pool.run(job(script, { policy: PERMIT_ALL, ceiling }), ignore));
  assert.equal(capped.status, 'denied');
  assert.equal(capped.error?.code, 'ACCESS_DENIED');
  assert.deepEqual(lastDecision(capped), { action: 'file_system::Action::"read"', resource: `file_system::File::"${file}"`, decision: 'deny' });
});

test("sealed inputs reach the guest's inputs.read", async () => {
  await using pool = new ExecutorPool({ size: 1 });
  const inputs = [
    ['greeting', new TextEncoder().encode('hello, writ')],
    ['raw', Buffer.from([1, 2, 3])],
  ] as const;
  const report = finished(await pool.run(job("[inputs.names(), inputs.read('greeting'), [...inputs.readBytes('raw')]]", { inputs }), ignore));
  assert.equal(report.status, 'succeeded');
  assert.deepEqual(report.result, [['greeting', 'raw'], 'hello, writ', [1, 2, 3]]);
});

test('close resolves pending runs as cancelled, stops every worker and refuses new runs', async () => {
  const pool = new ExecutorPool({ size: 2 });
  // Two runs at once start both workers; one stays idle while the other spins.
  await Promise.all([pool.run(job('0'), ignore), pool.run(job('0'), ignore)]);
  const spin = job("console.log('spinning'); for (;;) {}");
  const { listener, started } = firstOutput();
  const pending = pool.run(spin, listener);
  await started;
  assert.equal(pool.workers, 2);
  await pool.close();
  assert.deepEqual(await pending, { kind: 'cancelled' });
  assert.equal(pool.workers, 0);
  assert.equal(pool.busy, 0);
  await assertRejectsCode(pool.run(job('1'), ignore), 'EXECUTOR_CLOSED');
  await pool.close(); // idempotent
});

test('no worker keeps the process alive: after close, and when idle without close', () => {
  const index = new URL('./index.ts', import.meta.url).href;
  const program = (closeIt: boolean): string => `
    process.env.TZ = 'UTC';
    const { ExecutorPool } = await import(${JSON.stringify(index)});
    const pool = new ExecutorPool({ size: 2 });
    const job = (runId, text) => ({ runId, script: { filename: 's.js', text, language: 'js' }, policyText: '', policyPath: 'p.cedar',
      ceilingText: null, ceilingPath: null, args: {}, limits: { timeoutMs: 30000, memoryMiB: 64, maxOps: 1000, maxOutputBytes: 1000 },
      user: { username: 'nobody', uid: 65534, groupname: 'nogroup', gid: 65534 }, inputs: [] });
    const done = await pool.run(job('a', '6 * 7'), () => {});
    ${closeIt ? "const spin = pool.run(job('b', 'for (;;) {}'), () => {}); await pool.close(); const cancelled = await spin;" : 'const cancelled = null;'}
    console.log(JSON.stringify({ result: done.report.result, cancelled }));`;
  for (const closeIt of [true, false]) {
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', program(closeIt)], {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      encoding: 'utf8',
      timeout: 20_000,
    });
    assert.equal(child.error, undefined, 'the process did not exit on its own');
    assert.equal(child.status, 0, child.stderr);
    assert.deepEqual(JSON.parse(child.stdout), { result: 42, cancelled: closeIt ? { kind: 'cancelled' } : null });
  }
});

test('a worker that dies during a run resolves it as crashed and is replaced', async () => {
  await using pool = new ExecutorPool({ size: 1, workerUrl: new URL('./testing/dying-worker.ts', import.meta.url) });
  const exited = await pool.run(job('0', { runId: 'exit-1' }), ignore);
  assert.equal(exited.kind, 'crashed');
  assert.equal(pool.busy, 0);
  assert.equal(pool.workers, 1, 'a replacement worker was started');
  const thrown = await pool.run(job('0', { runId: 'throw-1' }), ignore);
  assert.equal(thrown.kind, 'crashed');
  const after = finished(await pool.run(job('0', { runId: 'fine-1' }), ignore));
  assert.equal(after.error?.code, 'FIXTURE');
});

test('an unexpected error inside the worker is reported as crashed and the worker stays in service', async () => {
  await using pool = new ExecutorPool({ size: 1 });
  const broken = { ...job('1'), inputs: 5 as unknown as ExecJob['inputs'] };
  const outcome = await pool.run(broken, ignore);
  assert.equal(outcome.kind, 'crashed');
  assert.equal(pool.workers, 1);
  const next = finished(await pool.run(job('"still here"'), ignore));
  assert.equal(next.result, 'still here');
});

test('the pool refuses to start unless the process time zone is UTC, and checks its size', () => {
  process.env['TZ'] = 'Europe/Paris';
  try {
    assert.throws(() => new ExecutorPool({ size: 1 }), (err: unknown) => hasCode(err, 'EXECUTOR_TZ_NOT_UTC'));
  } finally {
    process.env['TZ'] = 'UTC';
  }
  for (const size of [0, -1, 1.5, Number.NaN]) {
    assert.throws(() => new ExecutorPool({ size }), (err: unknown) => hasCode(err, 'EXECUTOR_OPTIONS_INVALID'));
  }
});

test('latency: first job on a fresh pool vs later jobs on its warm worker (printed, not asserted)', async (t) => {
  await using pool = new ExecutorPool({ size: 1 });
  const timed = async (): Promise<number> => {
    const t0 = performance.now();
    finished(await pool.run(job('1 + 1'), ignore));
    return performance.now() - t0;
  };
  const first = await timed();
  const later: number[] = [];
  for (let i = 0; i < 20; i++) later.push(await timed());
  later.sort((x, y) => x - y);
  const median = ((later[9] ?? 0) + (later[10] ?? 0)) / 2;
  const line = `executor latency: first job ${first.toFixed(1)} ms, median of 20 later jobs ${median.toFixed(1)} ms`;
  t.diagnostic(line);
  console.log(line);
});

test('warm() starts every worker ahead of the first run; a warmed pool still runs jobs', async () => {
  await using pool = new ExecutorPool({ size: 2 });
  assert.equal(pool.workers, 0);
  pool.warm();
  assert.equal(pool.workers, 2);
  pool.warm();
  assert.equal(pool.workers, 2);
  assert.equal(finished(await pool.run(job('"warm"'), ignore)).result, 'warm');
});

test('a repeated policy text is validated once per worker, and a changed one is not served from the cache', async () => {
  await using pool = new ExecutorPool({ size: 1 });
  const allow = 'permit(principal, action, resource);';
  assert.equal(finished(await pool.run(job('sys.hostname().length > 0', { policy: allow }), ignore)).status, 'succeeded');
  assert.equal(finished(await pool.run(job('sys.hostname().length > 0', { policy: allow }), ignore)).status, 'succeeded');
  assert.equal(finished(await pool.run(job('sys.hostname()', { policy: '' }), ignore)).status, 'denied');
  assert.equal(finished(await pool.run(job('1', { policy: 'permit(' }), ignore)).status, 'rejected');
});
