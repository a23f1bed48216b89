import type { HostResult } from '../fanout/index.js';
import type { ControlLogger } from './logger.js';

/** What became of a host first: its agent accepted the writ, or it has a result without that. */
export type HostProgress = { readonly agentRunId: string } | { readonly result: HostResult };

/**
 * One fan-out this control host is running. `cancel` stops dispatching (the fan-out's signal);
 * `shutdown` also stops waiting for agents, because the control host is stopping: the runs go on
 * at the agents, and the record keeps what is known so far.
 */
export class FleetRunJob {
  readonly #cancel = new AbortController();
  readonly #shutdown = new AbortController();
  readonly #progress = new Map<string, { promise: Promise<HostProgress>; resolve: (p: HostProgress) => void }>();

  constructor(readonly id: string) {}

  get cancelSignal(): AbortSignal {
    return this.#cancel.signal;
  }

  get shutdownSignal(): AbortSignal {
    return this.#shutdown.signal;
  }

  get cancelled(): boolean {
    return this.#cancel.signal.aborted;
  }

  get shuttingDown(): boolean {
    return this.#shutdown.signal.aborted;
  }

  cancel(): void {
    this.#cancel.abort();
  }

  shutdown(): void {
    this.#cancel.abort();
    this.#shutdown.abort();
  }

  /** Records the first progress of `host`; later calls change nothing. */
  progressed(host: string, progress: HostProgress): void {
    this.#slot(host).resolve(progress);
  }

  /** Resolves once `host` was dispatched or has a result (whichever comes first). */
  progressOf(host: string): Promise<HostProgress> {
    return this.#slot(host).promise;
  }

  #slot(host: string): { promise: Promise<HostProgress>; resolve: (p: HostProgress) => void } {
    let slot = this.#progress.get(host);
    if (slot === undefined) {
      let resolve!: (p: HostProgress) => void;
      const promise = new Promise<HostProgress>((r) => (resolve = r));
      slot = { promise, resolve };
      this.#progress.set(host, slot);
    }
    return slot;
  }
}

/**
 * The fan-outs this process is running, by fleet-run id: what lets a later request follow pending
 * hosts or cancel dispatching. In memory only; another control host (or this one after a restart)
 * sees a run through its record and the agents instead.
 */
export class FleetRunJobs {
  readonly #jobs = new Map<string, { job: FleetRunJob; done: Promise<void> }>();

  constructor(private readonly log: ControlLogger) {}

  /**
   * Runs `body` for the job until it settles, whatever the HTTP request that started it does.
   * A failure is logged, never unhandled: a detached fan-out has no one else to report to.
   */
  start(id: string, body: (job: FleetRunJob) => Promise<void>): FleetRunJob {
    const job = new FleetRunJob(id);
    const done = body(job)
      .catch((err: unknown) => {
        this.log.error({ event: 'fleet.run_failed', run: id, message: err instanceof Error ? err.message : String(err) });
      })
      .finally(() => this.#jobs.delete(id));
    this.#jobs.set(id, { job, done });
    return job;
  }

  get(id: string): FleetRunJob | undefined {
    return this.#jobs.get(id)?.job;
  }

  /** Stops every fan-out (see FleetRunJob.shutdown) and waits for them to settle. */
  async shutdown(): Promise<void> {
    const running = [...this.#jobs.values()];
    for (const { job } of running) job.shutdown();
    await Promise.all(running.map((r) => r.done));
  }
}
