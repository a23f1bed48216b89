import { WritError } from '../../core/errors.js';
import { mapConcurrent } from '../../core/map-concurrent.js';
import type { AgentClient } from '../fleet/index.js';
import type { FleetHostRecord, FleetRunRecord } from '../registry/index.js';
import type { FleetRunContext } from './fleet-run-launch.js';
import type { FleetRunView } from './fleet-run-messages.js';
import { failureOf } from './ndjson.js';

/** Agents asked at once for a run's live state: bounded, so a large fleet cannot exhaust sockets. */
const LIVE_CONCURRENCY = 32;

/** The run's record, or FLEET_RUN_NOT_FOUND (404): malformed ids included, they name nothing. */
export async function fleetRunOrThrow(ctx: FleetRunContext, id: string): Promise<FleetRunRecord> {
  const record = await ctx.registry.getFleetRun(id);
  if (record === null) throw new WritError('FLEET_RUN_NOT_FOUND', `no fleet run ${JSON.stringify(id.slice(0, 80))}`);
  return record;
}

/** The verified client of a registered agent; AGENT_NOT_FOUND once it was removed from the registry. */
export async function clientOf(ctx: FleetRunContext, host: string): Promise<AgentClient> {
  const agent = await ctx.registry.getAgent(host);
  if (agent === null) throw new WritError('AGENT_NOT_FOUND', `agent ${host} is no longer registered`);
  return ctx.clients.for(agent);
}

/** A host the record has not seen finish, but whose agent holds a run to ask about. */
export const isLive = (h: FleetHostRecord): h is FleetHostRecord & { agentRunId: string } => h.state === 'dispatched' && h.agentRunId !== null;

/**
 * The record as stored, plus what each agent says right now of a host whose run the record does
 * not show as final. An agent that cannot be asked shows its error on its own line; the answer as
 * a whole still succeeds.
 */
export async function fleetRunView(ctx: FleetRunContext, record: FleetRunRecord): Promise<FleetRunView> {
  const hosts = await mapConcurrent(record.hosts, LIVE_CONCURRENCY, async (h) => {
    if (!isLive(h)) return { ...h, live: null, liveError: null };
    try {
      const run = await (await clientOf(ctx, h.host)).get(h.agentRunId);
      if (run === null) return { ...h, live: null, liveError: { code: 'AGENT_RUN_NOT_FOUND', message: `agent ${h.host} has no run ${h.agentRunId} (pruned?)` } };
      return { ...h, live: { state: run.state, done: run.done, exitCode: run.exitCode, error: run.error }, liveError: null };
    } catch (err) {
      return { ...h, live: null, liveError: failureOf(err).error };
    }
  });
  return { ...record, hosts, runningHere: ctx.jobs.get(record.id) !== undefined };
}
