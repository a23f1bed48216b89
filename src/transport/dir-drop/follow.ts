import { appendFile, open, rename, writeFile } from 'node:fs/promises';
import type { RunService, RunView } from '../port.js';
import { RunCursor } from '../run-cursor.js';
import { NO_EXIT_CODE, type Outbox } from './outbox.js';

/** Appended at a time while the run goes on (a final run's remainder is taken whole). */
const BATCH_BYTES = 8 * 1024 * 1024;

/**
 * Follows one run: copies its stored log to `<id>.log.partial` as it grows, and once the run is
 * final renames that to `<id>.log`, writes `<id>.json` (the final run view) and last `<id>.exit`.
 * Events are only a nudge ("there is more", "it finished"): the bytes always come from `readLog` by
 * byte offset, so output stored before we subscribed is caught up and no byte is written twice.
 */
export async function followRun(service: RunService, outbox: Outbox, id: string, runId: string): Promise<void> {
  const partial = outbox.path(id, 'log.partial');
  await writeFile(partial, '', { mode: 0o600 });
  const follower = new RunFollower(service, runId, partial);
  let final: RunView | null;
  try {
    final = await follower.copyUntilFinal();
  } finally {
    follower.close();
  }
  await syncFile(partial);
  await rename(partial, outbox.path(id, 'log'));
  if (final) {
    await outbox.writeFile(`${id}.json`, `${JSON.stringify(final, null, 2)}\n`);
    await outbox.commit(id, final.exitCode === null ? NO_EXIT_CODE : `${final.exitCode}\n`);
  } else {
    // Only after a restart, for a run the store no longer has (pruned): say so rather than never finish.
    const error = { code: 'RUN_NOT_FOUND', message: `run ${runId} is no longer in the agent's run store` };
    await outbox.writeFile(`${id}.json`, `${JSON.stringify({ run: null, error }, null, 2)}\n`);
    await outbox.commit(id, NO_EXIT_CODE);
  }
  await outbox.clearPending(id);
}

async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Holds no file open while the run is quiet: a thousand queued runs must not cost a thousand descriptors. */
class RunFollower {
  private readonly cursor: RunCursor;

  constructor(
    service: RunService,
    runId: string,
    private readonly partial: string,
  ) {
    this.cursor = new RunCursor(service, runId);
  }

  /** Resolves with the final run view, or null if the service does not know the run. */
  async copyUntilFinal(): Promise<RunView | null> {
    for (;;) {
      const final = this.cursor.final();
      const bytes = this.cursor.take(final === undefined ? BATCH_BYTES : Infinity);
      if (bytes.length > 0) await appendFile(this.partial, bytes);
      if (final !== undefined) return final;
      if (bytes.length >= BATCH_BYTES) continue;
      await this.cursor.nextNudge();
    }
  }

  close(): void {
    this.cursor.close();
  }
}
