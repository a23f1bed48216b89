import type { Reporter } from './reporter.js';
import type { Persist } from './result-writer.js';

const MAX_RETRY_MS = 60_000;

/**
 * Writes that must happen (a claim, a commit) are retried while the transport runs: losing one to a
 * short outage would leave a result unwritten until the next start. After stop() each gets one more
 * try and then fails (reported): `drained()` must not wait for ever on a bucket that is down, and
 * `run-id` without `size` lets the next start finish the result.
 */
export class Persistence {
  private stopper = new AbortController();

  constructor(
    private readonly reporter: Reporter,
    private readonly firstRetryMs: number,
  ) {}

  get stopping(): boolean {
    return this.stopper.signal.aborted;
  }

  begin(): void {
    if (this.stopping) this.stopper = new AbortController();
  }

  /** Wakes every pause at once. */
  end(): void {
    this.stopper.abort();
  }

  readonly persist: Persist = async (what, step) => {
    const topic = `persist:${what}`;
    for (let attempt = 0; ; attempt++) {
      try {
        await step();
        this.reporter.clear(topic);
        return;
      } catch (err) {
        if (this.stopping) {
          this.reporter.clear(topic);
          throw err;
        }
        this.reporter.reportOnce(topic, err);
        await this.pause(Math.min(this.firstRetryMs * 2 ** attempt, MAX_RETRY_MS));
      }
    }
  };

  /** Resolves after `ms`, or at once when the transport stops. */
  pause(ms: number): Promise<void> {
    const signal = this.stopper.signal;
    return new Promise((resolve) => {
      if (signal.aborted) {
        resolve();
        return;
      }
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
