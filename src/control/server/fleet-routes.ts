import { createHash, randomUUID } from 'node:crypto';
import type { FastifyPluginCallback, FastifyRequest } from 'fastify';
import { WritError } from '../../core/errors.js';
import { parseInput } from '../../core/parse-input.js';
import { askAuthHook, type AuthContext, type AuthHookOptions } from '../auth-hook/index.js';
import { fanOut, resolveTargets, type HostResult, type HostTask } from '../fanout/index.js';
import type { FleetClients } from '../fleet/index.js';
import type { AgentRecord, Registry } from '../registry/index.js';
import { apiSchema } from './api-doc.js';
import { FLEET_PING_PATH, FLEET_RUN_BODY_LIMIT, FLEET_RUNS_PATH, FleetLineSchema, FleetPingBodySchema, FleetRunBodySchema, type FleetLine } from './fleet-messages.js';
import type { ControlLogger } from './logger.js';
import type { FleetRunJobs } from './fleet-run-jobs.js';
import { launchFleetRun } from './fleet-run-launch.js';
import { FleetRunDetachedSchema, type FleetRunDetached } from './fleet-run-messages.js';
import { failureOf, ndjson, summaryLine } from './ndjson.js';
import { operatorOf, operatorOnly } from './operator-auth.js';

export interface FleetContext {
  readonly registry: Registry;
  readonly clients: FleetClients;
  readonly authHook: AuthHookOptions | null;
  readonly apiToken: string;
  readonly log: ControlLogger;
  /** The fan-outs this control host runs, so later requests can follow and cancel them. */
  readonly jobs: FleetRunJobs;
}


/** Asks the operator's hook, when one is configured; a refusal ends the request before any agent hears of it. */
async function authorize(ctx: FleetContext, context: AuthContext): Promise<void> {
  if (!ctx.authHook) return;
  const decision = await askAuthHook(ctx.authHook, context);
  ctx.log.info({ event: 'auth.decision', action: context.action, operator: context.operator, targets: context.targets.length, allowed: decision.allowed, code: decision.allowed ? null : decision.code });
  if (!decision.allowed) throw new WritError('AUTH_HOOK_DENIED', `${decision.code}: ${decision.reason}`);
}

async function targetsOf(ctx: FleetContext, target: string): Promise<AgentRecord[]> {
  return resolveTargets(target, await ctx.registry.listAgents());
}

/** What a fleet request can be refused with before its NDJSON answer starts. */
const FLEET_ERRORS = ['TARGET_INVALID', 'TARGET_EMPTY', 'TARGET_UNKNOWN', 'TARGET_REVOKED', 'AUTH_HOOK_DENIED', 'REGISTRY_UNAVAILABLE'];

/** The fleet operations: ping and run, each fanned out to the resolved targets over verified mTLS. */
export function fleetRoutes(ctx: FleetContext): FastifyPluginCallback {
  return (app, _options, done) => {
    // Operators only (API token or the control certificate); an agent's certificate never reaches these routes.
    app.addHook('onRequest', operatorOnly(ctx.apiToken));

    const pingDoc = apiSchema({ summary: 'Ping agents', description: 'Checks that each target agent answers over mutual TLS; NDJSON: targets, a pong per answering host, a result per host, summary last.', tag: 'fleet', auth: 'operator', body: FleetPingBodySchema, responses: {}, ndjsonLine: FleetLineSchema, errors: FLEET_ERRORS });
    app.post(FLEET_PING_PATH, { schema: pingDoc }, async (request: FastifyRequest, reply) => {
      const body = parseInput(FleetPingBodySchema, request.body);
      const operator = operatorOf(request, ctx.apiToken);
      const agents = await targetsOf(ctx, body.target);
      await authorize(ctx, { action: 'ping', operator, targets: agents.map((a) => a.name), requestId: randomUUID(), at: new Date().toISOString() });
      const byName = new Map(agents.map((a) => [a.name, a]));
      const send: (line: FleetLine) => void = ndjson(reply);
      send({ type: 'targets', hosts: [...byName.keys()] });
      const task: HostTask = async (host) => {
        const agent = byName.get(host);
        if (!agent) return failureOf(new WritError('TARGET_UNKNOWN', host));
        try {
          const { latencyMs } = await ctx.clients.for(agent).health();
          await ctx.registry.markSeen(host, new Date());
          send({ type: 'pong', host, latencyMs: Math.round(latencyMs * 10) / 10 });
          return { exitCode: 0, error: null };
        } catch (err) {
          return failureOf(err);
        }
      };
      const results = await fanOut([...byName.keys()], task, { maxConcurrency: body.maxConcurrency, maxErrors: Infinity, hostTimeoutMs: body.hostTimeoutMs, onResult: (r) => { send({ type: 'result', ...r }); } });
      send(summaryLine(results));
      reply.raw.end();
    });

    // The server's small default limit suits pairing; a writ (base64) may be far larger.
    const runDoc = apiSchema({ summary: 'Run a writ on agents', description: 'Sends the sealed writ to each target agent, which verifies it itself; NDJSON: targets, accepted and (with follow) output lines per host, a result per host, summary last.', tag: 'fleet', auth: 'operator', body: FleetRunBodySchema, responses: { 202: FleetRunDetachedSchema }, ndjsonLine: FleetLineSchema, errors: FLEET_ERRORS });
    app.post(FLEET_RUNS_PATH, { bodyLimit: FLEET_RUN_BODY_LIMIT, schema: runDoc }, async (request: FastifyRequest, reply) => {
      const body = parseInput(FleetRunBodySchema, request.body);
      const operator = operatorOf(request, ctx.apiToken);
      const writ = Buffer.from(body.writ, 'base64');
      const agents = await targetsOf(ctx, body.target);
      const requestId = randomUUID();
      const writSha256 = createHash('sha256').update(writ).digest('hex');
      await authorize(ctx, { action: 'run', operator, targets: agents.map((a) => a.name), writ: { sha256: writSha256, bytes: writ.length }, requestId, at: new Date().toISOString() });
      // Recorded before anything is dispatched: from here on the run can be looked at, followed and cancelled.
      const id = randomUUID();
      const hosts = agents.map((a) => a.name);
      await ctx.registry.createFleetRun({ id, operator, target: body.target, writSha256, writBytes: writ.length, hosts, createdAt: new Date() });
      ctx.log.info({ event: 'fleet.run', requestId, run: id, operator, hosts: agents.length, detach: body.detach });
      const launch = (send: ((line: FleetLine) => void) | null): Promise<HostResult[]> =>
        launchFleetRun(ctx, { id, agents, writ, maxConcurrency: body.maxConcurrency, maxErrors: body.maxErrors ?? Infinity, hostTimeoutMs: body.hostTimeoutMs, follow: body.follow, send });
      if (body.detach) {
        // Goes on after this answer, on this control host; launchFleetRun never rejects and logs its own failures.
        void launch(null);
        const detached: FleetRunDetached = { run: id, hosts };
        return reply.code(202).send(detached);
      }
      const send: (line: FleetLine) => void = ndjson(reply);
      send({ type: 'targets', hosts, run: id });
      send(summaryLine(await launch(send)));
      reply.raw.end();
    });
    done();
  };
}
