import { WritError, messageOf } from '../core/errors.js';
import { EXIT_CODES, type RunReport } from '../runner/index.js';
import type { ExecJob, ExecOutcome, ExecutorPool } from './executor/index.js';
import type { AgentMetrics } from './metrics.js';
import type { RunEvents } from './run-events.js';
import type { AgentLogger } from './logger.js';
import type { SqliteRunStore } from './store/index.js';
import { OutputBatcher } from './output-batcher.js';
import { toRunView } from './run-view.js';

/**
 * Runs accepted writs on the executor pool: at most `pool.size` at once, then a bounded FIFO queue,
 * then refusal (QUEUE_FULL). Capacity is reserved before verification, so a writ refused for
 * capacity never uses up its nonce, and one that passed verification always has a place.
 */
export class RunScheduler {
  private readonly queue: ExecJob[] = [];
  private readonly running = new Map<string, OutputBatcher>();
  private reserved = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly store: SqliteRunStore,
    private readonly pool: ExecutorPool,
    private readonly queueLimit: number,
    private readonly events: RunEvents,
    private readonly metrics: AgentMetrics,
    private readonly log: AgentLogger,
  ) {}

  /** Holds one place for a writ being verified; false when the agent is full. */
  reserve(): boolean {
    if (this.running.size + this.queue.length + this.reserved >= this.pool.size + this.queueLimit) return false;
    this.reserved++;
    return true;
  }

  release(): void {
    this.reserved = Math.max(0, this.reserved - 1);
    this.notifyIfIdle();
  }

  /** Turns a reservation into a queued run and starts what can start. */
  enqueue(job: ExecJob): void {
    this.reserved = Math.max(0, this.reserved - 1);
    this.queue.push(job);
    this.metrics.queued.set(this.queue.length);
    this.pump();
  }

  cancel(runId: string): boolean {
    const at = this.queue.findIndex((j) => j.runId === runId);
    if (at !== -1) {
      this.queue.splice(at, 1);
      this.metrics.queued.set(this.queue.length);
      this.complete(runId, { kind: 'cancelled' }, Date.now());
      return true;
    }
    return this.running.has(runId) && this.pool.cancel(runId);
  }

  get activeCount(): number {
    return this.running.size + this.queue.length + this.reserved;
  }

  /** Resolves once nothing is queued, running or being verified (SIGTERM drain). */
  idle(): Promise<void> {
    if (this.activeCount === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    while (this.queue.length > 0 && this.running.size < this.pool.size) {
      const job = this.queue.shift();
      if (!job) break;
      this.start(job);
    }
    this.metrics.queued.set(this.queue.length);
  }

  private start(job: ExecJob): void {
    // Stored first, then shown: a watcher never sees output that a crash could lose.
    const output = new OutputBatcher(
      (stream, text) => this.store.appendOutput(job.runId, stream, text),
      (event) => {
        this.events.emit(job.runId, event);
      },
    );
    this.running.set(job.runId, output);
    this.metrics.running.set(this.running.size);
    this.store.markRunning(job.runId);
    const started = Date.now();
    this.log.info({ event: 'run.started', runId: job.runId });
    this.pool
      .run(job, (chunk) => {
        output.add(chunk.stream, chunk.text);
      })
      .then(
        (outcome) => {
          this.complete(job.runId, outcome, started);
        },
        (err: unknown) => {
          this.complete(job.runId, { kind: 'crashed', message: messageOf(err) }, started);
        },
      );
  }

  private complete(runId: string, outcome: ExecOutcome, started: number): void {
    // The last output is stored before the run is marked final, so `done` means all bytes are there.
    this.running.get(runId)?.flush();
    this.running.delete(runId);
    this.metrics.running.set(this.running.size);
    const result = finalOf(outcome);
    try {
      this.store.finish(runId, result);
    } catch (err) {
      if (!(err instanceof WritError)) throw err;
      this.log.error({ event: 'run.store_error', runId, code: err.code, message: err.message });
    }
    this.metrics.finished.inc({ state: result.state });
    this.metrics.duration.observe((Date.now() - started) / 1000);
    this.log.info({ event: 'run.finished', runId, state: result.state, exitCode: result.exitCode, errorCode: result.errorCode });
    const record = this.store.get(runId);
    if (record) this.events.emit(runId, { type: 'finished', run: toRunView(record) });
    this.pump();
    this.notifyIfIdle();
  }

  private notifyIfIdle(): void {
    if (this.activeCount !== 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

type FinalResult = { state: 'succeeded' | 'failed' | 'denied' | 'timeout' | 'limit' | 'cancelled' | 'interrupted'; exitCode: number | null; errorCode: string | null; errorMessage: string | null; report: string | null };

function finalOf(outcome: ExecOutcome): FinalResult {
  if (outcome.kind === 'cancelled') return { state: 'cancelled', exitCode: null, errorCode: 'CANCELLED', errorMessage: 'cancelled on request', report: null };
  if (outcome.kind === 'crashed') return { state: 'failed', exitCode: EXIT_CODES.failed, errorCode: 'EXECUTOR_CRASHED', errorMessage: outcome.message, report: null };
  const report: RunReport = outcome.report;
  // A worker only rejects when the policy it re-validates fails, which intake already ruled out.
  const state = report.status === 'rejected' ? 'failed' : report.status;
  return { state, exitCode: EXIT_CODES[report.status], errorCode: report.error?.code ?? null, errorMessage: report.error?.message ?? null, report: JSON.stringify(report) };
}
