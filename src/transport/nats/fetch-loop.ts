import type { Consumer, JsMsg } from '@nats-io/jetstream';
import { messageOf, WritError } from '../../core/errors.js';

/** How long one pull request waits on the server for a message; stop() ends it at once. */
const FETCH_EXPIRES_MS = 10_000;
const RETRY_MS = 1000;

export interface FetchControl {
  /** Aborted by stop(): the loop ends after the message in hand. */
  readonly signal: AbortSignal;
  report(err: unknown): void;
  /** Registers a callback for each reconnect; returns its removal. */
  onReconnect(callback: () => void): () => void;
}

/**
 * Takes writs from one durable pull consumer, one message at a time: the next is fetched only after
 * `handle` finished the one in hand, and a message arriving as stop() comes is nak'ed (one the
 * server sent just after the pull was cancelled comes back after the ack wait). Failures (a
 * deleted consumer, a server away) are reported once per kind and retried. A pull request sent to
 * a server that then went away is never answered, so a reconnect starts a fresh one at once.
 * `label` names the consumer in reports, e.g. `consumer writ-agent-h on WRIT_RUNS`.
 */
export async function fetchLoop(consumer: Consumer, label: string, control: FetchControl, handle: (msg: JsMsg) => Promise<void>): Promise<void> {
  const { signal } = control;
  let lastError = '';
  let interrupt: () => void = () => undefined;
  const forget = control.onReconnect(() => {
    interrupt();
  });
  try {
    while (!signal.aborted) {
      let reconnected = false;
      try {
        // bind: no consumer-info request first, so nothing but the pull itself can wait on a server that is gone.
        const batch = await consumer.fetch({ max_messages: 1, expires: FETCH_EXPIRES_MS, bind: true });
        interrupt = () => {
          reconnected = true;
          batch.stop();
        };
        if (signal.aborted) batch.stop();
        const stop = (): void => {
          batch.stop();
        };
        signal.addEventListener('abort', stop, { once: true });
        try {
          for await (const msg of batch) {
            // Arrived just as stop() came: back to the stream now, rather than after the ack wait.
            if (signal.aborted) msg.nak();
            else await handleReporting(msg, handle, (err) => {
              control.report(err);
            });
          }
        } finally {
          signal.removeEventListener('abort', stop);
        }
        lastError = '';
      } catch (err) {
        if (signal.aborted) return;
        // A fetch cut short by a reconnect is not worth a report: the status change was reported.
        if (!reconnected && messageOf(err) !== lastError) control.report(new WritError('TRANSPORT_UNAVAILABLE', `nats: cannot fetch from ${label}: ${messageOf(err)}; retrying`, { cause: err }));
        if (!reconnected) lastError = messageOf(err);
        await pause(RETRY_MS, signal, (wake) => {
          interrupt = wake;
        });
      } finally {
        interrupt = () => undefined;
      }
    }
  } finally {
    forget();
  }
}

/** Waits `ms`, or less when stopped or when `arm`'s callback (a reconnect) fires. */
function pause(ms: number, signal: AbortSignal, arm: (wake: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    arm(done);
  });
}

async function handleReporting(msg: JsMsg, handle: (msg: JsMsg) => Promise<void>, report: (err: unknown) => void): Promise<void> {
  try {
    await handle(msg);
  } catch (err) {
    // Unacked, the message comes back after the ack wait; the loop itself goes on.
    report(err);
  }
}
