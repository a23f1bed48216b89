import type { JetStreamClient } from '@nats-io/jetstream';
import { type DoneBody, OFFSET_HEADER } from './publisher.js';
import { runSubject, type RunTarget } from './subjects.js';

/**
 * The sender's side of the NATS transport, for the control host, scripts and tests: publish a
 * writ, then read the results each host publishes under `resultSubject(prefix, host, seq)`.
 */
export { resultSubject, runSubject, type RunTarget } from './subjects.js';
export type { DoneBody } from './publisher.js';

/** Publishes `.writ` bytes for one host or a tag; `seq` names the results (`resultSubject(prefix, host, seq)` per host). */
export async function publishWrit(js: JetStreamClient, prefix: string, target: RunTarget, bytes: Uint8Array): Promise<{ stream: string; seq: number }> {
  const ack = await js.publish(runSubject(prefix, target), bytes);
  return { stream: ack.stream, seq: ack.seq };
}

/** What the results stream holds for one result subject at the moment it is read. */
export interface ResultSnapshot {
  readonly runId: string | null;
  /** The log assembled by Writ-Offset: bytes published twice (a restart) are counted once. */
  readonly log: Buffer;
  /** The commit marker; once set, `log` is complete (`log.length === done.size`). */
  readonly done: DoneBody | null;
  /** The last subject token of each stored message, in stream order (`accepted`, `log`…, `done`). */
  readonly kinds: readonly string[];
}

const EMPTY: ResultSnapshot = { runId: null, log: Buffer.alloc(0), done: null, kinds: [] };
const FETCH_EXPIRES_MS = 5000;

/** Reads, once, every message stored under `<resultSubject>.>`; poll it until `done` is set. */
export async function readResult(js: JetStreamClient, resultsStream: string, subject: string): Promise<ResultSnapshot> {
  const consumer = await js.consumers.get(resultsStream, { filter_subjects: `${subject}.>` });
  try {
    const pending = (await consumer.info(true)).num_pending;
    if (pending === 0) return EMPTY;
    let runId: string | null = null;
    let done: DoneBody | null = null;
    let log: Buffer = Buffer.alloc(0);
    const kinds: string[] = [];
    for await (const msg of await consumer.fetch({ max_messages: pending, expires: FETCH_EXPIRES_MS })) {
      const kind = msg.subject.slice(subject.length + 1);
      kinds.push(kind);
      if (kind === 'accepted') runId ??= msg.json<{ runId: string }>().runId;
      else if (kind === 'done') done ??= msg.json<DoneBody>();
      else if (kind === 'log') log = appendAt(log, Number(msg.headers?.get(OFFSET_HEADER)), msg.data);
      if (msg.info.pending === 0) break;
    }
    return { runId, log, done, kinds };
  } finally {
    await consumer.delete().catch(() => undefined);
  }
}

/** Appends the part of `bytes` (stored at `offset`) past what `log` has; a gap is left for a later read. */
function appendAt(log: Buffer, offset: number, bytes: Uint8Array): Buffer {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset > log.length) return log;
  const fresh = bytes.subarray(log.length - offset);
  return fresh.length > 0 ? Buffer.concat([log, fresh]) : log;
}
