import { performance } from 'node:perf_hooks';
import type { RunService, RunView } from '../port.js';
import { RunCursor } from '../run-cursor.js';
import { exitLine, NO_EXIT_CODE, type FinalResult, type Persist, type ResultWriter } from './result-writer.js';

export interface FollowContext {
  readonly service: RunService;
  readonly outbox: ResultWriter;
  readonly logFlushMs: number;
  /** Retries the final writes while the transport runs, so one failed request does not lose a result. */
  readonly persist: Persist;
  /** A failed upload of the growing log: not fatal, the next upload carries the whole log again. */
  readonly onLogUploadError: (err: unknown) => void;
}

/**
 * Follows one run to its committed result: `log` re-uploaded whole while it grows (at once when
 * output arrives after a quiet spell, then at most once per `logFlushMs`), and when the run is final
 * `log`, `run.json`, `exit` and `size`. Events are only a nudge ("there is more", "it finished"):
 * the bytes always come from `readLog` by byte offset, so output stored before we subscribed is
 * caught up and no byte is taken twice.
 */
export async function followRun(context: FollowContext, name: string, runId: string): Promise<void> {
  const follower = new RunFollower(context.service, runId);
  let final: RunView | null;
  try {
    final = await follower.followUntilFinal(context.logFlushMs, async (log) => {
      try {
        await context.outbox.putLog(name, log);
      } catch (err) {
        context.onLogUploadError(err);
      }
    });
  } finally {
    follower.close();
  }
  await context.outbox.commit(name, finalResult(follower.log(), final, runId), context.persist);
}

function finalResult(log: Buffer, final: RunView | null, runId: string): FinalResult {
  if (final) return { log, runJson: final, exit: exitLine(final) };
  // Only after a restart, for a run the store no longer has (pruned): say so rather than never finish.
  const error = { code: 'RUN_NOT_FOUND', message: `run ${runId} is no longer in the agent's run store` };
  return { log, runJson: { run: null, error }, exit: NO_EXIT_CODE };
}

/** Keeps the log in memory: every upload is the whole log, as the object-store protocol has it. */
class RunFollower {
  private readonly cursor: RunCursor;
  private chunks: Buffer[] = [];
  private length = 0;

  constructor(service: RunService, runId: string) {
    this.cursor = new RunCursor(service, runId);
  }

  /** Resolves with the final run view, or null if the service does not know the run. */
  async followUntilFinal(flushMs: number, publish: (log: Buffer) => Promise<void>): Promise<RunView | null> {
    let published = -1;
    let nextPublishAt = 0;
    for (;;) {
      const final = this.cursor.final();
      this.takeStored();
      if (final !== undefined) return final;
      const now = performance.now();
      if (this.length !== published && now >= nextPublishAt) {
        nextPublishAt = now + flushMs;
        const log = this.log();
        await publish(log);
        published = log.length;
        continue;
      }
      if (this.cursor.hasNudge) continue;
      // New output waits for the next flush slot; the end of the run wakes us at once.
      await this.cursor.nextNudge(this.length !== published ? nextPublishAt - now : null);
    }
  }

  log(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.length)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  close(): void {
    this.cursor.close();
  }

  private takeStored(): void {
    const bytes = this.cursor.take();
    if (bytes.length === 0) return;
    this.chunks.push(bytes);
    this.length += bytes.length;
  }
}
