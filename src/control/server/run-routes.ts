import type { FastifyPluginCallback } from 'fastify';
import { WritError } from '../../core/errors.js';
import { mapConcurrent } from '../../core/map-concurrent.js';
import { parseInput } from '../../core/parse-input.js';
import type { FleetRunRecord } from '../registry/index.js';
import { apiSchema } from './api-doc.js';
import { FLEET_RUNS_PATH } from './fleet-messages.js';
import type { FleetRunContext } from './fleet-run-launch.js';
import { streamFleetRunEvents } from './fleet-run-events.js';
import {
  FLEET_RUN_CANCEL_PATH,
  FLEET_RUN_EVENTS_PATH,
  FLEET_RUN_PATH,
  FleetRunCancelledSchema,
  FleetRunEventLineSchema,
  FleetRunListSchema,
  FleetRunViewSchema,
  RunEventsQuerySchema,
  RunIdParamsSchema,
  RunListQuerySchema,
  type FleetRunCancelled,
} from './fleet-run-messages.js';
import { clientOf, fleetRunOrThrow, fleetRunView, isLive } from './fleet-run-view.js';
import { failureOf } from './ndjson.js';
import { operatorOnly } from './operator-auth.js';

export interface RunRoutesContext extends FleetRunContext {
  readonly apiToken: string;
}

/** Agents told to cancel at once. */
const CANCEL_CONCURRENCY = 32;


/** What these routes can be refused with (UNAUTHENTICATED and INTERNAL are added by apiSchema). */
const errors = ['REQUEST_INVALID', 'FLEET_RUN_NOT_FOUND', 'REGISTRY_UNAVAILABLE'];

/**
 * Cancels what can be cancelled: stops dispatching when this control host runs the fan-out, and
 * asks every agent holding a run not final in the record to cancel it. A run no control host is
 * dispatching any more (restart) has its pending hosts marked skipped and the record cancelled.
 */
async function cancelFleetRun(ctx: RunRoutesContext, record: FleetRunRecord): Promise<FleetRunCancelled> {
  const job = ctx.jobs.get(record.id);
  job?.cancel();
  const hosts = await mapConcurrent(record.hosts, CANCEL_CONCURRENCY, async (h) => {
    if (!isLive(h)) {
      if (h.state !== 'pending') return { host: h.host, outcome: 'already-final' as const, error: null };
      if (job === undefined) await ctx.registry.recordHostResult(record.id, h.host, { status: 'skipped', exitCode: null, error: { code: 'CANCELLED', message: 'not dispatched: the fan-out was cancelled' }, finishedAt: new Date() });
      return { host: h.host, outcome: 'not-dispatched' as const, error: null };
    }
    try {
      return { host: h.host, outcome: await (await clientOf(ctx, h.host)).cancel(h.agentRunId), error: null };
    } catch (err) {
      return { host: h.host, outcome: 'error' as const, error: failureOf(err).error };
    }
  });
  // Running here, the fan-out records the end itself once the agents report their cancelled runs.
  if (job === undefined && record.state === 'running') await ctx.registry.finishFleetRun(record.id, 'cancelled', new Date());
  ctx.log.info({ event: 'fleet.run_cancel', run: record.id, stoppedDispatch: job !== undefined, cancelled: hosts.filter((h) => h.outcome === 'cancelled').length });
  return { run: record.id, stoppedDispatch: job !== undefined, hosts };
}

/** Fleet runs after the fact: list, look at one, follow its output, cancel it. */
export function runRoutes(ctx: RunRoutesContext): FastifyPluginCallback {
  return (app, _options, done) => {
    // Operators only (API token or the control certificate); an agent's certificate never reaches these routes.
    app.addHook('onRequest', operatorOnly(ctx.apiToken));

    app.get(FLEET_RUNS_PATH, {
      schema: apiSchema({ summary: 'Recent fleet runs, newest first', tag: 'fleet', auth: 'operator', query: RunListQuerySchema, responses: { 200: FleetRunListSchema }, errors }),
    }, async (request) => {
      const { limit } = parseInput(RunListQuerySchema, request.query);
      return { runs: await ctx.registry.listFleetRuns({ limit }) };
    });

    app.get(FLEET_RUN_PATH, {
      schema: apiSchema({ summary: 'One fleet run: its record, and the live state of hosts not final in it', tag: 'fleet', auth: 'operator', params: RunIdParamsSchema, responses: { 200: FleetRunViewSchema }, errors }),
    }, async (request) => {
      const { id } = parseInput(RunIdParamsSchema, request.params);
      return fleetRunView(ctx, await fleetRunOrThrow(ctx, id));
    });

    app.get(FLEET_RUN_EVENTS_PATH, {
      schema: apiSchema({ summary: 'A fleet run\'s output per host, then results and a summary (NDJSON); follows running hosts unless follow=false', tag: 'fleet', auth: 'operator', params: RunIdParamsSchema, query: RunEventsQuerySchema, responses: {}, ndjsonLine: FleetRunEventLineSchema, errors }),
    }, async (request, reply) => {
      const { id } = parseInput(RunIdParamsSchema, request.params);
      const query = parseInput(RunEventsQuerySchema, request.query);
      const record = await fleetRunOrThrow(ctx, id);
      const hosts = query.host === undefined ? record.hosts : record.hosts.filter((h) => h.host === query.host);
      if (hosts.length === 0 && query.host !== undefined) throw new WritError('FLEET_RUN_NOT_FOUND', `fleet run ${id} has no host ${JSON.stringify(query.host.slice(0, 80))}`);
      await streamFleetRunEvents(ctx, record, hosts, query.follow, reply);
    });

    app.post(FLEET_RUN_CANCEL_PATH, {
      schema: apiSchema({ summary: 'Cancel a fleet run: stop dispatching and cancel every host run not yet final', tag: 'fleet', auth: 'operator', params: RunIdParamsSchema, responses: { 200: FleetRunCancelledSchema }, errors }),
    }, async (request) => {
      const { id } = parseInput(RunIdParamsSchema, request.params);
      return cancelFleetRun(ctx, await fleetRunOrThrow(ctx, id));
    });
    done();
  };
}
