import type { RunService, RunView } from './port.js';

const SLICE_BYTES = 1024 * 1024;

/**
 * A transport's view of one run it delivers results for: the byte offset read so far, and whether
 * the run has finished. Events are only a nudge ("there is more", "it finished"): the bytes always
 * come from `readLog` by byte offset, so output stored before the cursor subscribed is caught up and
 * no byte is taken twice. Holds no file or connection of its own, so a thousand queued runs are cheap.
 */
export class RunCursor {
  /** Bytes of the log taken so far. */
  offset: number;
  private nudged = true;
  private finished: RunView | null = null;
  private wake: (() => void) | null = null;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly service: RunService,
    private readonly runId: string,
    from = 0,
  ) {
    this.offset = from;
    this.unsubscribe = service.watch(runId, (event) => {
      if (event.type === 'finished') this.finished = event.run;
      this.nudged = true;
      const wake = this.wake;
      this.wake = null;
      wake?.();
    });
  }

  /**
   * The run if final, null if the service does not know it (pruned), undefined while it goes on.
   * Read this before `take`: a final run has all its output stored, so the pass after it takes the
   * rest, before an agent that is shutting down closes its store. Clears the pending nudge.
   */
  final(): RunView | null | undefined {
    this.nudged = false;
    if (this.finished) return this.finished;
    const run = this.service.get(this.runId);
    if (!run) return null;
    return run.done ? run : undefined;
  }

  /** Whether something happened since the last `final()`. */
  get hasNudge(): boolean {
    return this.nudged;
  }

  /** Whether the run's end was announced (output may still be left to take). */
  get hasFinished(): boolean {
    return this.finished !== null;
  }

  /** Reads what is stored past the offset, up to about `limit` bytes, without yielding. */
  take(limit = Infinity): Buffer {
    const chunks: Buffer[] = [];
    let total = 0;
    while (total < limit) {
      const slice = this.service.readLog(this.runId, this.offset, SLICE_BYTES);
      if (!slice || slice.bytes.length === 0) break;
      chunks.push(slice.bytes);
      total += slice.bytes.length;
      this.offset = slice.nextOffset;
    }
    return Buffer.concat(chunks, total);
  }

  /** Resolves at the next nudge (at once if one is pending), or after `timeoutMs` when given. */
  nextNudge(timeoutMs: number | null = null): Promise<void> {
    if (this.nudged) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      const done = (): void => {
        if (timer) clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      if (timeoutMs !== null) timer = setTimeout(done, Math.max(0, timeoutMs));
      this.wake = done;
    });
  }

  close(): void {
    this.unsubscribe();
    this.wake?.();
  }
}
