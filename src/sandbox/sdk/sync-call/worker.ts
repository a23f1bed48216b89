/**
 * Worker-side entry of the sync-call bridge. Loaded by the bootstrap in spawn-worker.ts; answers each
 * call on the port, then bumps the shared counter and notifies so the blocked caller wakes up.
 */
import type { MessagePort } from 'node:worker_threads';
import { dnsLookup } from './ops/dns-lookup.js';
import { httpGet } from './ops/http-get.js';
import { OpFailure } from './ops/op-failure.js';
import type { CallMessage, FromWorker, OpMap, OpName, ToWorker, WorkerBoot } from './protocol.js';

type Handler<K extends OpName> = (request: OpMap[K]['request'], signal: AbortSignal) => Promise<OpMap[K]['response']>;

const HANDLERS: { readonly [K in OpName]: Handler<K> } = {
  'http.get': httpGet,
  'dns.lookup': dnsLookup,
};

export function start(boot: WorkerBoot): void {
  const inFlight = new Map<number, AbortController>();
  const answer = (message: FromWorker): void => {
    try {
      boot.port.postMessage(message);
    } finally {
      // Post first, then bump: the caller reads the counter before polling the port, so it never sleeps past an answer.
      Atomics.add(boot.signal, 0, 1);
      Atomics.notify(boot.signal, 0);
    }
  };
  boot.port.on('message', (message: ToWorker) => {
    if (message.kind === 'cancel') {
      inFlight.get(message.id)?.abort();
      return;
    }
    const controller = new AbortController();
    inFlight.set(message.id, controller);
    run(message, controller.signal).then(
      (value) => { answer({ id: message.id, ok: true, value }); },
      (err: unknown) => { answer({ id: message.id, ok: false, error: describe(err) }); },
    ).finally(() => inFlight.delete(message.id));
  });
}

async function run(message: CallMessage, signal: AbortSignal): Promise<unknown> {
  const handler = HANDLERS[message.op] as Handler<OpName> | undefined;
  // Unknown operations are refused rather than ignored, so a caller bug can't hang until the deadline.
  if (handler === undefined) throw new OpFailure('UNKNOWN_OP', `unknown sync-call operation ${message.op}`);
  return handler(message.request, signal);
}

function describe(err: unknown): { code: string; message: string } {
  if (err instanceof OpFailure) return { code: err.code, message: err.message };
  return { code: 'WORKER_ERROR', message: err instanceof Error ? err.message : String(err) };
}

export type { MessagePort };
