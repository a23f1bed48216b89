import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { WritError, messageOf } from '../../core/errors.js';
import type { ExecJob, ExecOutcome, ExecOutputChunk, ExecWorkerMessage } from './job.js';

export interface ExecutorPoolOptions {
  /** Most runs at once (one worker thread each). */
  readonly size: number;
  /** Worker entry; defaults to this folder's worker (see `defaultWorkerUrl`). Tests swap it. */
  readonly workerUrl?: URL;
}

/**
 * The worker entry beside this module: `worker.js` when running compiled from dist/, else `worker.ts`
 * when running from sources through tsx.
 */
export function defaultWorkerUrl(): URL {
  const compiled = new URL('./worker.js', import.meta.url);
  return existsSync(fileURLToPath(compiled)) ? compiled : new URL('./worker.ts', import.meta.url);
}

/**
 * Node options for a worker running `url`. A TypeScript entry needs tsx inside the worker, and
 * `--import tsx` is not enough: tsx's own preload only registers its hooks on the main thread
 * (Node 20). So the worker preloads a one-line module that calls tsx's `register()` API, resolved
 * from here so it works whatever the process's working directory. A compiled entry needs nothing,
 * and inherits none of the host's flags (an `--inspect` there must not start one per worker).
 */
function execArgvFor(url: URL): string[] {
  if (!/\.[mc]?ts$/.test(url.pathname)) return [];
  const api = import.meta.resolve('tsx/esm/api');
  const preload = `import { register } from ${JSON.stringify(api)}; register();`;
  return ['--import', `data:text/javascript,${encodeURIComponent(preload)}`];
}

interface Running {
  readonly runId: string;
  readonly onOutput: (chunk: ExecOutputChunk) => void;
  readonly resolve: (outcome: ExecOutcome) => void;
}

interface Slot {
  readonly worker: Worker;
  current: Running | null;
  /** Set once the pool let go of the worker (cancel, close): its late messages and exit are ignored. */
  retired: boolean;
  /** The last 'error' the worker raised, reported if it then exits during a run. */
  lastError: string | null;
}

/**
 * Runs ExecJobs on worker threads so that scripts (synchronous QuickJS, blocking host calls) never
 * hold the agent's event loop, and so that a run can be stopped at any instruction.
 *
 * - At most `size` runs at once, one per worker. The pool never queues: `run` with every worker busy
 *   rejects with WritError `EXECUTOR_BUSY`; the agent's scheduler owns queueing and fairness.
 * - Workers start lazily (the first run pays the thread and module start-up) and are kept for reuse.
 *   Idle workers do not keep the process alive; a worker with a run in progress does.
 * - `cancel` terminates the run's worker (this stops even a tight loop inside WebAssembly), resolves
 *   the run as `cancelled` and starts a replacement worker.
 * - A worker that dies during a run (out of memory, a native `exit`) resolves it as `crashed` and is
 *   replaced; one that reports an unexpected error (`crashed` message) stays in service.
 * - `close` terminates every worker; runs still pending resolve as `cancelled`.
 *
 * The time zone is process-wide (a worker cannot set its own), so the pool refuses to start unless the
 * process already runs with `process.env.TZ === 'UTC'`; the agent sets it at startup, so scripts never
 * learn the host's zone.
 */
export class ExecutorPool {
  readonly #size: number;
  readonly #url: URL;
  readonly #execArgv: readonly string[];
  readonly #slots = new Set<Slot>();
  /** Workers being terminated; close() waits for them too. */
  readonly #dying = new Set<Promise<unknown>>();
  #closed = false;
  #closing: Promise<void> | null = null;

  constructor(options: ExecutorPoolOptions) {
    if (!Number.isSafeInteger(options.size) || options.size < 1) {
      throw new WritError('EXECUTOR_OPTIONS_INVALID', `executor pool size must be a positive whole number, got ${options.size}`);
    }
    if (process.env['TZ'] !== 'UTC') {
      throw new WritError('EXECUTOR_TZ_NOT_UTC', 'set process.env.TZ = "UTC" before creating the executor pool (the time zone is process-wide)');
    }
    this.#size = options.size;
    this.#url = options.workerUrl ?? defaultWorkerUrl();
    this.#execArgv = execArgvFor(this.#url);
  }

  /** Most runs at once. */
  get size(): number {
    return this.#size;
  }

  /** Runs in progress. */
  get busy(): number {
    let n = 0;
    for (const slot of this.#slots) if (slot.current !== null) n++;
    return n;
  }

  /** Worker threads currently started (busy or idle), not counting ones being terminated. */
  get workers(): number {
    return this.#slots.size;
  }

  /**
   * Runs `job` on an idle worker (starting one if fewer than `size` exist). `onOutput` receives the
   * guest's output as it is produced, always before the returned promise settles; a listener that
   * throws is ignored, as it must not change the run. Rejects with EXECUTOR_BUSY (every worker busy),
   * EXECUTOR_CLOSED, or EXECUTOR_DUPLICATE_RUN (a run with this id is in progress).
   */
  async run(job: ExecJob, onOutput: (chunk: ExecOutputChunk) => void): Promise<ExecOutcome> {
    if (this.#closed) throw new WritError('EXECUTOR_CLOSED', 'the executor pool is closed');
    if (this.#slotRunning(job.runId) !== undefined) {
      throw new WritError('EXECUTOR_DUPLICATE_RUN', `run ${job.runId} is already in progress`);
    }
    const slot = this.#idleSlot() ?? (this.#slots.size < this.#size ? this.#spawn() : undefined);
    if (slot === undefined) {
      throw new WritError('EXECUTOR_BUSY', `all ${this.#size} executor workers are busy`);
    }
    // Posted before the slot is marked busy: a job that cannot be copied leaves the worker idle.
    slot.worker.postMessage(job);
    return new Promise<ExecOutcome>((resolve) => {
      slot.current = { runId: job.runId, onOutput, resolve };
      slot.worker.ref();
    });
  }

  /** Starts every worker now (each loads Cedar and QuickJS once), so the first runs do not pay for it. */
  warm(): void {
    while (!this.#closed && this.#slots.size < this.#size) this.#spawn();
  }

  /** Stops a run in progress; false when no run with this id is in progress. */
  cancel(runId: string): boolean {
    const slot = this.#slotRunning(runId);
    if (slot === undefined) return false;
    this.#settle(slot, { kind: 'cancelled' });
    this.#retire(slot);
    if (!this.#closed) this.#spawn();
    return true;
  }

  /** Terminates every worker; pending runs resolve as cancelled. Later `run` calls reject. */
  close(): Promise<void> {
    if (this.#closing !== null) return this.#closing;
    this.#closed = true;
    for (const slot of [...this.#slots]) {
      this.#settle(slot, { kind: 'cancelled' });
      this.#retire(slot);
    }
    this.#closing = Promise.all([...this.#dying]).then(() => undefined);
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #idleSlot(): Slot | undefined {
    for (const slot of this.#slots) if (slot.current === null) return slot;
    return undefined;
  }

  #slotRunning(runId: string): Slot | undefined {
    for (const slot of this.#slots) if (slot.current?.runId === runId) return slot;
    return undefined;
  }

  #spawn(): Slot {
    const worker = new Worker(this.#url, { execArgv: [...this.#execArgv] });
    const slot: Slot = { worker, current: null, retired: false, lastError: null };
    // Idle workers never keep the process alive; run() refs the worker while a run is in progress.
    worker.unref();
    worker.on('message', (message: ExecWorkerMessage) => {
      this.#onMessage(slot, message);
    });
    worker.on('messageerror', (err: Error) => {
      // A message from the worker could not be read: its run can no longer be trusted to finish.
      if (slot.retired) return;
      this.#settle(slot, { kind: 'crashed', message: `executor worker message unreadable: ${messageOf(err)}` });
      this.#retire(slot);
      if (!this.#closed) this.#spawn();
    });
    worker.on('error', (err: unknown) => {
      slot.lastError = messageOf(err);
    });
    worker.on('exit', (code: number) => {
      this.#onExit(slot, code);
    });
    this.#slots.add(slot);
    return slot;
  }

  #onMessage(slot: Slot, message: ExecWorkerMessage): void {
    const run = slot.current;
    if (slot.retired || run === null || message.runId !== run.runId) return;
    switch (message.type) {
      case 'output':
        try {
          run.onOutput({ stream: message.stream, text: message.text });
        } catch {
          // A faulty listener must not change the run's outcome or take the pool down.
        }
        return;
      case 'done':
        this.#settle(slot, { kind: 'finished', report: message.report });
        return;
      case 'crashed':
        this.#settle(slot, { kind: 'crashed', message: message.message });
        return;
    }
  }

  /** A worker the pool still held exited on its own. */
  #onExit(slot: Slot, code: number): void {
    if (slot.retired || !this.#slots.delete(slot)) return;
    slot.retired = true;
    const hadRun = slot.current !== null;
    this.#settle(slot, { kind: 'crashed', message: slot.lastError ?? `executor worker exited with code ${code}` });
    // Replace only a worker that died running something: a worker that cannot even start then costs
    // one failed start per run, never a respawn loop. An idle worker that died is replaced lazily.
    if (hadRun && !this.#closed) this.#spawn();
  }

  #settle(slot: Slot, outcome: ExecOutcome): void {
    const run = slot.current;
    if (run === null) return;
    slot.current = null;
    if (!slot.retired) slot.worker.unref();
    run.resolve(outcome);
  }

  #retire(slot: Slot): void {
    slot.retired = true;
    this.#slots.delete(slot);
    // Held until it is gone, so that awaiting close() cannot outlive the event loop.
    slot.worker.ref();
    const dying = slot.worker.terminate().then(
      () => undefined,
      () => undefined,
    );
    this.#dying.add(dying);
    void dying.then(() => this.#dying.delete(dying));
  }
}
