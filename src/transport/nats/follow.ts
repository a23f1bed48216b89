import { setTimeout as sleep } from 'node:timers/promises';
import type { RunService } from '../port.js';
import { RunCursor } from '../run-cursor.js';
import type { ResultPublisher } from './publisher.js';

/** Read at a time while the run goes on (a final run's remainder is taken whole). */
const BATCH_BYTES = 4 * 1024 * 1024;
/** While output flows, wait this long after a nudge so lines gather into fewer, larger messages. */
const LOG_BATCH_MS = 75;

/** Where publishing resumes: after a restart, what an earlier process already published is skipped. */
export interface ResumePoint {
  readonly acceptedPublished: boolean;
  readonly logOffset: number;
}

export const FROM_START: ResumePoint = { acceptedPublished: false, logOffset: 0 };

/**
 * Publishes one run's results: `.accepted`, its log as `.log` chunks while it grows, and once it
 * is final `.done`, after every chunk was stored. Events are only a nudge ("there is more", "it
 * finished"): the bytes always come from `readLog` by byte offset, so output stored before we
 * subscribed is caught up and no byte is published twice.
 */
export async function publishRun(service: RunService, publisher: ResultPublisher, runId: string, from: ResumePoint): Promise<void> {
  if (!from.acceptedPublished) await publisher.accepted(runId);
  const follower = new RunCursor(service, runId, from.logOffset);
  try {
    for (;;) {
      const final = follower.final();
      const offset = follower.offset;
      const bytes = follower.take(final === undefined ? BATCH_BYTES : Infinity);
      if (bytes.length > 0) await publisher.log(runId, offset, bytes);
      if (final === null) {
        // Only after a restart, for a run the store no longer has (pruned): say so rather than never finish.
        const error = { code: 'RUN_NOT_FOUND', message: `run ${runId} is no longer in the agent's run store` };
        await publisher.done({ run: null, exitCode: null, error, size: follower.offset });
        return;
      }
      if (final !== undefined) {
        await publisher.done({ run: final, exitCode: final.exitCode, error: final.error, size: follower.offset });
        return;
      }
      if (bytes.length >= BATCH_BYTES) continue;
      await follower.nextNudge();
      if (!follower.hasFinished) await sleep(LOG_BATCH_MS);
    }
  } finally {
    follower.close();
  }
}
