import { z } from 'zod';
import type { RunView } from '../../transport/index.js';
import { FleetError } from './errors.js';

/**
 * The shapes of an agent's JSON answers, checked once where they arrive: the agent is
 * authenticated, but a version mismatch or a bug there must surface as AGENT_HTTP_ERROR here, not
 * as an undefined deep inside the control host.
 */

const ErrorBody = z.object({ code: z.string(), message: z.string() });

const RunViewSchema = z.object({
  id: z.string().min(1),
  writId: z.string().nullable(),
  signer: z.string().nullable(),
  transport: z.string(),
  state: z.enum(['queued', 'running', 'succeeded', 'failed', 'denied', 'timeout', 'limit', 'rejected', 'interrupted', 'cancelled']),
  done: z.boolean(),
  exitCode: z.number().int().nullable(),
  error: ErrorBody.nullable(),
  report: z.unknown(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  outputBytes: z.number().int().min(0),
});

/** `POST /v1/runs`: 202 `{run}`; 422 `{run, error}`; 503 `{run: null, error}`; 400 `{error}`. */
const SubmitBody = z.object({ run: RunViewSchema.nullable().optional(), error: ErrorBody.optional() });

const OutputEventData = z.object({ stream: z.enum(['stdout', 'log']).nullable(), offset: z.number().int().min(0), text: z.string() });

export type ErrorAnswer = z.infer<typeof ErrorBody>;
export type OutputEventBody = z.infer<typeof OutputEventData>;

/** `value` checked against `schema`; AGENT_HTTP_ERROR naming `what` when it does not fit. */
export function parseAnswer<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new FleetError('AGENT_HTTP_ERROR', `the agent's ${what} does not have the expected shape: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

export function jsonOf(body: Buffer, what: string): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (err) {
    throw new FleetError('AGENT_HTTP_ERROR', `the agent's ${what} is not JSON`, { cause: err });
  }
}

export function runViewOf(value: unknown, what: string): RunView {
  return parseAnswer(RunViewSchema, value, what);
}

export function submitBodyOf(value: unknown): { run: RunView | null; error: ErrorAnswer | null } {
  const body = parseAnswer(SubmitBody, value, 'answer to a submission');
  return { run: body.run ?? null, error: body.error ?? null };
}

export function outputEventOf(value: unknown): OutputEventBody {
  return parseAnswer(OutputEventData, value, 'output event');
}

/**
 * The agent's error code from an error answer: writ's `{error: {code}}`, or Fastify's own
 * `{code}` (e.g. FST_ERR_CTP_BODY_TOO_LARGE); null when the body names none.
 */
export function agentErrorCodeOf(body: Buffer): string | null {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return null;
  }
  const nested = z.object({ error: z.object({ code: z.string() }) }).safeParse(value);
  if (nested.success) return nested.data.error.code;
  const flat = z.object({ code: z.string() }).safeParse(value);
  return flat.success ? flat.data.code : null;
}
