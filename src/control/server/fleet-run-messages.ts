import { z } from 'zod';

/**
 * The fleet-run routes of the operator API (token or control certificate):
 *
 *   POST /v1/fleet/runs {detach: true, ...}  -> 202 FleetRunDetached  (the fan-out goes on here)
 *   GET  /v1/fleet/runs?limit=N               -> { runs: FleetRunRecord[] }, newest first
 *   GET  /v1/fleet/runs/:id                   -> FleetRunView (the record, live state of unfinished hosts)
 *   GET  /v1/fleet/runs/:id/events?follow=&host=  -> NDJSON: output lines, result lines, summary
 *   POST /v1/fleet/runs/:id/cancel            -> FleetRunCancelled
 * An unknown id is 404 FLEET_RUN_NOT_FOUND.
 */
export const FLEET_RUN_PATH = '/v1/fleet/runs/:id';
export const FLEET_RUN_EVENTS_PATH = '/v1/fleet/runs/:id/events';
export const FLEET_RUN_CANCEL_PATH = '/v1/fleet/runs/:id/cancel';

/** A route path with the run's id filled in (ids are UUIDs; encoded anyway). */
export const fleetRunPath = (pattern: string, id: string): string => pattern.replace(':id', encodeURIComponent(id));

const ErrorSchema = z.object({ code: z.string(), message: z.string() });

export const RunIdParamsSchema = z.object({ id: z.string().min(1).max(128) }).strict();

export const RunListQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(20) }).strict();

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');
export const RunEventsQuerySchema = z
  .object({
    /** false: the output so far, then the summary (finished hosts' results only). */
    follow: flag.default(true),
    /** Only this host. */
    host: z.string().min(1).max(253).optional(),
  })
  .strict();

export const FleetHostRecordSchema = z.object({
  host: z.string(),
  state: z.enum(['pending', 'dispatched', 'finished', 'skipped']),
  agentRunId: z.string().nullable(),
  exitCode: z.number().int().nullable(),
  error: ErrorSchema.nullable(),
  finishedAt: z.string().nullable(),
});

export const FleetRunRecordSchema = z.object({
  id: z.string(),
  createdAt: z.string(),
  operator: z.string(),
  target: z.string(),
  writSha256: z.string(),
  writBytes: z.number().int(),
  state: z.enum(['running', 'finished', 'cancelled']),
  finishedAt: z.string().nullable(),
  hosts: z.array(FleetHostRecordSchema),
});

export const FleetRunListSchema = z.object({ runs: z.array(FleetRunRecordSchema) });

/** What the agent says of a host's run right now: asked only for hosts not final in the record. */
const LiveSchema = z.object({ state: z.string(), done: z.boolean(), exitCode: z.number().int().nullable(), error: ErrorSchema.nullable() });

export const FleetRunViewSchema = FleetRunRecordSchema.extend({
  hosts: z.array(FleetHostRecordSchema.extend({
    /** The agent's live view; null when not asked (final in the record, or never dispatched). */
    live: LiveSchema.nullable(),
    /** Why the agent could not be asked (unreachable, removed): never fails the whole answer. */
    liveError: ErrorSchema.nullable(),
  })),
  /** True while this control host is running the fan-out (it can follow pending hosts and stop dispatching). */
  runningHere: z.boolean(),
});
export type FleetRunView = z.infer<typeof FleetRunViewSchema>;

export const CancelOutcomeSchema = z.enum(['cancelled', 'already-final', 'not-found', 'not-dispatched', 'error']);

export const FleetRunCancelledSchema = z.object({
  run: z.string(),
  /** Whether this control host was dispatching it (and has now stopped). */
  stoppedDispatch: z.boolean(),
  hosts: z.array(z.object({ host: z.string(), outcome: CancelOutcomeSchema, error: ErrorSchema.nullable() })),
});
export type FleetRunCancelled = z.infer<typeof FleetRunCancelledSchema>;

export const FleetRunDetachedSchema = z.object({ run: z.string(), hosts: z.array(z.string()) });
export type FleetRunDetached = z.infer<typeof FleetRunDetachedSchema>;

const HostResultLine = z.object({
  type: z.literal('result'),
  host: z.string(),
  status: z.enum(['ok', 'failed', 'error', 'timeout', 'skipped']),
  exitCode: z.number().int().nullable(),
  error: ErrorSchema.nullable(),
  runId: z.string().optional(),
  durationMs: z.number(),
});

/** Every line of `GET /v1/fleet/runs/:id/events`. */
export const FleetRunEventLineSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('output'), host: z.string(), text: z.string() }),
  HostResultLine,
  z.object({ type: z.literal('summary'), run: z.string(), exitCode: z.number().int(), counts: z.record(z.string(), z.number()), finished: z.boolean() }),
]);
