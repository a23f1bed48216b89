import { WritError } from '../../core/errors.js';
import { fanOut, type HostResult, type HostTask } from '../fanout/index.js';
import type { FleetClients } from '../fleet/index.js';
import type { AgentRecord, Registry } from '../registry/index.js';
import type { FleetLine } from './fleet-messages.js';
import type { FleetRunJob, FleetRunJobs } from './fleet-run-jobs.js';
import type { ControlLogger } from './logger.js';
import { failureOf } from './ndjson.js';

export interface FleetRunContext {
  readonly registry: Registry;
  readonly clients: FleetClients;
  readonly log: ControlLogger;
  readonly jobs: FleetRunJobs;
}

export interface LaunchOptions {
  /** The fleet run's id: its record exists already, every host pending. */
  readonly id: string;
  readonly agents: readonly AgentRecord[];
  readonly writ: Buffer;
  readonly maxConcurrency: number;
  readonly maxErrors: number;
  readonly hostTimeoutMs: number;
  /** Forward each host's output lines to `send`. */
  readonly follow: boolean;
  /** Where the answer's lines go (accepted, output, result); null for a detached run. */
  readonly send: ((line: FleetLine) => void) | null;
}

/**
 * Fans a sealed writ out as fleet run `id`, recording each host's dispatch and result and the run's
 * end in the registry, and registering the fan-out in `jobs` so other requests can follow and
 * cancel it. Resolves with every host's result; never rejects (failures are logged).
 */
export function launchFleetRun(ctx: FleetRunContext, o: LaunchOptions): Promise<HostResult[]> {
  let results: HostResult[] = [];
  const byName = new Map(o.agents.map((a) => [a.name, a]));
  // A registry outage must not lose a host's result on the wire or stop the fan-out: log and go on.
  const record = async (what: string, write: Promise<void>): Promise<void> => {
    try {
      await write;
    } catch (err) {
      ctx.log.error({ event: 'fleet.record_failed', run: o.id, what, message: err instanceof Error ? err.message : String(err) });
    }
  };

  const taskOf = (job: FleetRunJob): HostTask => async (host, signal) => {
    const agent = byName.get(host);
    if (!agent) return failureOf(new WritError('TARGET_UNKNOWN', host));
    try {
      const client = ctx.clients.for(agent);
      const answer = await client.submit(o.writ);
      if (!answer.accepted) return { exitCode: answer.run?.exitCode ?? null, error: answer.error, ...(answer.run ? { runId: answer.run.id } : {}) };
      const runId = answer.run.id;
      await record('dispatched', ctx.registry.recordHostDispatched(o.id, host, runId));
      job.progressed(host, { agentRunId: runId });
      o.send?.({ type: 'accepted', host, runId });
      // Cancelled while the writ was on its way: the cancel request could not name this run yet.
      if (job.cancelled && !job.shuttingDown) await record('cancel', client.cancel(runId).then(() => undefined));
      const final = await client.events(runId, (event) => {
        if (event.type === 'output' && o.follow) o.send?.({ type: 'output', host, text: event.text });
      }, AbortSignal.any([signal, job.shutdownSignal]));
      if (!final) return { exitCode: null, error: { code: job.shuttingDown ? 'CONTROL_STOPPING' : 'HOST_TIMEOUT', message: 'stopped waiting' }, runId };
      // The host's exit code exactly as its agent reported it; the error (denied, timeout...) says why.
      return { exitCode: final.exitCode, error: final.error, runId: final.id };
    } catch (err) {
      return failureOf(err);
    }
  };

  let resolveDone!: (r: HostResult[]) => void;
  const done = new Promise<HostResult[]>((r) => (resolveDone = r));
  // Result writes still under way when the fan-out ends: the run is marked ended only after them.
  const writes: Promise<void>[] = [];
  ctx.jobs.start(o.id, async (job) => {
    try {
      results = await fanOut(o.agents.map((a) => a.name), taskOf(job), {
        maxConcurrency: o.maxConcurrency,
        maxErrors: o.maxErrors,
        hostTimeoutMs: o.hostTimeoutMs,
        signal: job.cancelSignal,
        onResult: (r) => {
          o.send?.({ type: 'result', ...r });
          job.progressed(r.host, { result: r });
          // Stopping: what the agents still do is theirs to finish; the record must not call it a failure.
          if (job.shuttingDown) return;
          const status = r.status === 'skipped' ? 'skipped' : 'finished';
          writes.push(record('result', ctx.registry.recordHostResult(o.id, r.host, { status, exitCode: r.exitCode, error: r.error, agentRunId: r.runId ?? null, finishedAt: new Date() })));
        },
      });
      await Promise.all(writes);
      if (!job.shuttingDown) await record('finish', ctx.registry.finishFleetRun(o.id, job.cancelled ? 'cancelled' : 'finished', new Date()));
    } finally {
      resolveDone(results);
    }
  });
  return done;
}
