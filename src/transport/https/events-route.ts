import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RunEvent, RunService } from '../port.js';

const REPLAY_SLICE = 256 * 1024;
const HEARTBEAT_MS = 15_000;

function parseOffset(request: FastifyRequest<{ Querystring: { offset?: string } }>): number {
  // Last-Event-ID (a reconnecting EventSource) wins over ?offset: both are byte offsets into the log.
  const raw = request.headers['last-event-id'] ?? request.query.offset ?? '0';
  const n = Number(Array.isArray(raw) ? raw[0] : raw);
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

/**
 * `GET /v1/runs/{id}/events`: server-sent events. The stored log from `offset` first, then live
 * output as it is stored, then `finished` with the run. Each event's id is the byte offset after
 * it, so a reconnecting client resumes exactly where it stopped. Subscribing happens before the
 * replay, and live chunks the replay already covered are skipped by offset: nothing lost or doubled.
 */
export function streamEvents(service: RunService, request: FastifyRequest<{ Params: { id: string }; Querystring: { offset?: string } }>, reply: FastifyReply): void {
  const id = request.params.id;
  if (!service.get(id)) {
    void reply.code(404).send({ error: { code: 'RUN_NOT_FOUND', message: `no run ${id}` } });
    return;
  }
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  const send = (event: string, eventId: number | null, data: unknown): void => {
    res.write(`event: ${event}\n${eventId === null ? '' : `id: ${eventId}\n`}data: ${JSON.stringify(data)}\n\n`);
  };
  let sentUpTo = parseOffset(request);
  let replaying = true;
  const pending: RunEvent[] = [];
  let closed = false;
  const finish = (): void => {
    if (closed) return;
    closed = true;
    unsubscribe();
    clearInterval(heartbeat);
    res.end();
  };
  const deliver = (event: RunEvent): void => {
    if (event.type === 'finished') {
      send('finished', sentUpTo, event.run);
      finish();
      return;
    }
    const end = event.offset + Buffer.byteLength(event.text);
    if (end <= sentUpTo) return;
    send('output', end, { stream: event.stream, offset: event.offset, text: event.text });
    sentUpTo = end;
  };
  const unsubscribe = service.watch(id, (event) => {
    if (replaying) pending.push(event);
    else deliver(event);
  });
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  res.on('close', finish);

  const decoder = new TextDecoder();
  for (;;) {
    const slice = service.readLog(id, sentUpTo, REPLAY_SLICE);
    if (!slice || slice.bytes.length === 0) break;
    send('output', slice.nextOffset, { stream: null, offset: slice.offset, text: decoder.decode(slice.bytes, { stream: true }) });
    sentUpTo = slice.nextOffset;
  }
  replaying = false;
  for (const event of pending.splice(0)) deliver(event);
  const run = service.get(id);
  if (!closed && run?.done) deliver({ type: 'finished', run });
}
