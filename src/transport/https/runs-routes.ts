import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RunService, Submission, SubmitResult } from '../port.js';
import { streamEvents } from './events-route.js';

interface IdParams {
  id: string;
}

const DEFAULT_LOG_SLICE = 1024 * 1024;
const MAX_LOG_SLICE = 16 * 1024 * 1024;

function wholeNumber(raw: string | undefined, fallback: number, max: number): number | null {
  if (raw === undefined) return fallback;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  return Number.isSafeInteger(n) ? Math.min(n, max) : null;
}

/** multipart `bundle` + `sig` (curl -F bundle=@bundle.tar.gz -F sig=@bundle.sig), as the owner's openssl flow produces. */
async function detachedFrom(request: FastifyRequest, maxBytes: number): Promise<Submission | string> {
  const parts: Record<string, Buffer> = {};
  for await (const part of request.files({ limits: { files: 2, fileSize: maxBytes, fields: 0 } })) {
    if (part.fieldname !== 'bundle' && part.fieldname !== 'sig') return `unexpected form field "${part.fieldname}" (expected bundle and sig)`;
    parts[part.fieldname] = await part.toBuffer();
  }
  const { bundle, sig } = parts;
  if (!bundle || !sig) return 'multipart uploads need both a bundle and a sig part';
  return { kind: 'detached', bundle, signature: sig };
}

function statusOf(result: SubmitResult): number {
  if (result.accepted) return 202;
  // Refused for capacity or shutdown: the writ itself may be fine, so say "try again".
  return result.run === null ? 503 : 422;
}

export function registerRunRoutes(app: FastifyInstance, service: RunService, transportName: string, maxBytes: number): void {
  app.post('/v1/runs', async (request, reply) => {
    let submission: Submission;
    if (request.isMultipart()) {
      const detached = await detachedFrom(request, maxBytes);
      if (typeof detached === 'string') return reply.code(400).send({ error: { code: 'BAD_REQUEST', message: detached } });
      submission = detached;
    } else {
      const body = request.body;
      if (!Buffer.isBuffer(body) || body.length === 0) return reply.code(400).send({ error: { code: 'BAD_REQUEST', message: 'send a .writ as the request body, or multipart bundle + sig' } });
      submission = { kind: 'writ', bytes: body };
    }
    const result = await service.submit(submission, transportName);
    if (!result.accepted && result.run === null) void reply.header('retry-after', '1');
    return reply.code(statusOf(result)).send(result.accepted ? { run: result.run } : { run: result.run, error: result.error });
  });

  app.get<{ Params: IdParams }>('/v1/runs/:id', async (request, reply) => {
    const run = service.get(request.params.id);
    return run ? reply.send(run) : reply.code(404).send({ error: { code: 'RUN_NOT_FOUND', message: `no run ${request.params.id}` } });
  });

  app.get<{ Params: IdParams; Querystring: { offset?: string; max?: string } }>('/v1/runs/:id/log', async (request, reply) => {
    const offset = wholeNumber(request.query.offset, 0, Number.MAX_SAFE_INTEGER);
    const max = wholeNumber(request.query.max, DEFAULT_LOG_SLICE, MAX_LOG_SLICE);
    if (offset === null || max === null) return reply.code(400).send({ error: { code: 'BAD_REQUEST', message: 'offset and max are whole numbers' } });
    const slice = service.readLog(request.params.id, offset, max);
    if (!slice) return reply.code(404).send({ error: { code: 'RUN_NOT_FOUND', message: `no run ${request.params.id}` } });
    const run = service.get(request.params.id);
    // The caller polls by byte range (as aws-rce does): these headers say where to continue and whether to stop.
    return reply
      .header('content-type', 'text/plain; charset=utf-8')
      .header('writ-log-offset', String(slice.offset))
      .header('writ-next-offset', String(slice.nextOffset))
      .header('writ-run-done', String(slice.done))
      .header('writ-run-state', run?.state ?? 'unknown')
      .send(slice.bytes);
  });

  app.get<{ Params: IdParams; Querystring: { offset?: string } }>('/v1/runs/:id/events', (request, reply) => {
    streamEvents(service, request, reply);
  });

  app.delete<{ Params: IdParams }>('/v1/runs/:id', async (request, reply) => {
    const outcome = service.cancel(request.params.id);
    if (outcome === 'not-found') return reply.code(404).send({ error: { code: 'RUN_NOT_FOUND', message: `no run ${request.params.id}` } });
    if (outcome === 'already-final') return reply.code(409).send({ error: { code: 'RUN_FINISHED', message: 'the run has already finished' } });
    return reply.code(202).send({ cancelled: true });
  });

  app.get('/metrics', async (_request, reply: FastifyReply) => reply.header('content-type', 'text/plain; version=0.0.4').send(await service.metrics()));
  app.get('/v1/health', () => ({ ok: true }));
}
