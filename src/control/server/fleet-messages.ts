import { z } from 'zod';

/**
 * The fleet operations of the operator API. Answers are NDJSON streams (one JSON object a line), so a
 * terminal shows progress and live output while hosts answer, and a script reads the same lines:
 *   {"type":"targets","hosts"} (first)  {"type":"accepted","host","runId"}  {"type":"output","host","text"}
 *   {"type":"result", ...HostResult}    {"type":"summary","exitCode","counts"}   (always last)
 */
export const FLEET_PING_PATH = '/v1/fleet/ping';
export const FLEET_RUNS_PATH = '/v1/fleet/runs';

const target = z.string().min(1).max(8192);
/** The largest writ the agents take by default (64 MiB) in base64, plus room for the other fields. */
const MAX_WRIT_BASE64 = Math.ceil((64 * 1024 * 1024 + 256 * 1024) / 3) * 4;
export const FLEET_RUN_BODY_LIMIT = MAX_WRIT_BASE64 + 64 * 1024;
const concurrency = z.number().int().min(1).max(10_000).default(50);

export const FleetPingBodySchema = z
  .object({ target, maxConcurrency: concurrency, hostTimeoutMs: z.number().int().min(1).max(600_000).default(10_000) })
  .strict();

export const FleetRunBodySchema = z
  .object({
    target,
    /** The sealed `.writ`, base64: the control host forwards it unchanged; every agent verifies it. */
    writ: z.base64().max(MAX_WRIT_BASE64),
    maxConcurrency: concurrency,
    /** Stop dispatching once more hosts than this failed; absent: never stop. */
    maxErrors: z.number().int().min(0).optional(),
    hostTimeoutMs: z.number().int().min(1).max(24 * 3_600_000).default(600_000),
    /** Forward each host's output as it is produced. */
    follow: z.boolean().default(true),
    /** Answer 202 `{run, hosts}` at once; the fan-out goes on on the control host (follow it with GET /v1/fleet/runs/:id/events). */
    detach: z.boolean().default(false),
  })
  .strict();

const host = z.string();
/** A host's failure before or around its run (unreachable, refused, timeout...), by stable code. */
const HostErrorSchema = z.object({ code: z.string(), message: z.string() });
const HostStatusSchema = z.enum(['ok', 'failed', 'error', 'timeout', 'skipped']);

/** One line of a fleet answer (src/control/fanout: HostResult, overallExitCode); fleet-routes.ts writes only these. */
export const FleetLineSchema = z.discriminatedUnion('type', [
  /** `run`: the fleet run's id (runs only): `writ status/logs/cancel RUN` name it. */
  z.object({ type: z.literal('targets'), hosts: z.array(host), run: z.string().optional() }),
  z.object({ type: z.literal('pong'), host, latencyMs: z.number().min(0) }),
  z.object({ type: z.literal('accepted'), host, runId: z.string() }),
  z.object({ type: z.literal('output'), host, text: z.string() }),
  z.object({
    type: z.literal('result'),
    host,
    status: HostStatusSchema,
    /** The run's own exit code, untouched; null when the host gave none (error, timeout, skipped). */
    exitCode: z.number().int().nullable(),
    error: HostErrorSchema.nullable(),
    runId: z.string().optional(),
    durationMs: z.number().int().min(0),
  }),
  z.object({ type: z.literal('summary'), exitCode: z.number().int(), counts: z.partialRecord(HostStatusSchema, z.number().int().min(0)) }),
]);
export type FleetLine = z.infer<typeof FleetLineSchema>;
