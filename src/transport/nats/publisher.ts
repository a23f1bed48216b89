import { setTimeout as sleep } from 'node:timers/promises';
import type { JetStreamClient } from '@nats-io/jetstream';
import { headers, type MsgHdrs } from '@nats-io/transport-node';
import { messageOf, WritError } from '../../core/errors.js';
import type { RunView } from '../port.js';

/** Largest `.log` message body: well under the server's default 1 MiB max_payload. */
export const LOG_CHUNK_BYTES = 64 * 1024;
export const OFFSET_HEADER = 'Writ-Offset';
export const RUN_ID_HEADER = 'Writ-Run-Id';

export interface Refusal {
  readonly code: string;
  readonly message: string;
}

/** The body of `<resultSubject>.done`, the commit marker of a result. */
export interface DoneBody {
  readonly run: RunView | null;
  readonly exitCode: number | null;
  readonly error: Refusal | null;
  /** Total bytes of the run's log: the `.log` chunks cover exactly [0, size). */
  readonly size: number;
}

/** How long to keep trying when publishing fails, and where to say so. */
export interface PublishRetry {
  /** True once retrying should end: the transport is stopping and the grace for results ran out. */
  giveUp(): boolean;
  report(err: unknown): void;
}

const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 5000;

/**
 * Publishes the results of one writ under its result subject, each message awaited (ordered and
 * stored before the next). Every message carries a deterministic Nats-Msg-Id, so one published
 * again after a lost PubAck or a restart is dropped by the stream's duplicate window.
 */
export class ResultPublisher {
  constructor(
    private readonly js: JetStreamClient,
    readonly subject: string,
    private readonly retry: PublishRetry,
  ) {}

  accepted(runId: string): Promise<void> {
    return this.publish('accepted', JSON.stringify({ runId }));
  }

  /** `bytes` stored at `offset` of the run's log, as chunks of at most LOG_CHUNK_BYTES. */
  async log(runId: string, offset: number, bytes: Uint8Array): Promise<void> {
    for (let at = 0; at < bytes.length; at += LOG_CHUNK_BYTES) {
      const h = headers();
      h.set(OFFSET_HEADER, String(offset + at));
      h.set(RUN_ID_HEADER, runId);
      await this.publish('log', bytes.subarray(at, at + LOG_CHUNK_BYTES), h, `${offset + at}`);
    }
  }

  done(body: DoneBody): Promise<void> {
    return this.publish('done', JSON.stringify(body));
  }

  private async publish(kind: 'accepted' | 'log' | 'done', data: string | Uint8Array, h?: MsgHdrs, id = ''): Promise<void> {
    const subject = `${this.subject}.${kind}`;
    const msgID = id === '' ? subject : `${subject}:${id}`;
    let wait = FIRST_RETRY_MS;
    let reported = false;
    for (;;) {
      try {
        await this.js.publish(subject, data, h ? { msgID, headers: h } : { msgID });
        return;
      } catch (err) {
        const what = `nats: cannot publish ${subject}: ${messageOf(err)}`;
        if (this.retry.giveUp()) throw new WritError('TRANSPORT_UNAVAILABLE', `${what}; gave up while stopping (the pending record stays, the next start publishes the rest)`, { cause: err });
        // Once per outage, not once per attempt: a server down for an hour must not flood the log.
        if (!reported) this.retry.report(new WritError('TRANSPORT_UNAVAILABLE', `${what}; retrying`, { cause: err }));
        reported = true;
        await sleep(wait);
        wait = Math.min(wait * 2, MAX_RETRY_MS);
      }
    }
  }
}
