import type { FastifyReply } from 'fastify';
import { fanOut, type HostOutcome, type HostResult, type HostTask } from '../fanout/index.js';
import type { FleetHostRecord, FleetRunRecord } from '../registry/index.js';
import type { FleetRunContext } from './fleet-run-launch.js';
import { clientOf } from './fleet-run-view.js';
import { failureOf, ndjson, summaryLine } from './ndjson.js';

/** Hosts followed at once. */
const FOLLOW_CONCURRENCY = 100;
/** As long as the longest host timeout a run may have (fleet-messages.ts). */
const FOLLOW_LIMIT_MS = 24 * 3_600_000;
const LOG_SLICE = 1024 * 1024;
/** Marks a host whose run is not final yet in a "so far" answer: it gets no result line. */
const NOT_FINAL = 'HOST_NOT_FINAL';

const recorded = (h: FleetHostRecord): HostOutcome => ({ exitCode: h.exitCode, error: h.error, ...(h.agentRunId === null ? {} : { runId: h.agentRunId }) });
const isFinal = (h: FleetHostRecord): boolean => h.state === 'finished' || h.state === 'skipped';

/**
 * `GET /v1/fleet/runs/:id/events`: for each host, its output from the agent's first byte as
 * `output` lines, then its `result`, then one `summary`. Following (the default), a host still
 * pending is followed once dispatched when this control host runs the fan-out; otherwise (another
 * control host runs it, or this one restarted) it ends with HOST_NOT_DISPATCHED. Not following,
 * the answer is the output so far and results of the hosts already final.
 */
export async function streamFleetRunEvents(ctx: FleetRunContext, record: FleetRunRecord, hosts: readonly FleetHostRecord[], follow: boolean, reply: FastifyReply): Promise<void> {
  const send = ndjson(reply);
  // The operator went away (Ctrl-C on `writ logs -f`): stop following the agents for them.
  const gone = new AbortController();
  reply.raw.on('close', () => { gone.abort(); });
  const job = ctx.jobs.get(record.id);
  const byHost = new Map(hosts.map((h) => [h.host, h]));

  const agentRunOf = async (h: FleetHostRecord, signal: AbortSignal): Promise<string | HostOutcome> => {
    if (h.agentRunId !== null) return h.agentRunId;
    if (isFinal(h)) return recorded(h);
    if (!follow) return { exitCode: null, error: { code: NOT_FINAL, message: 'not dispatched yet' } };
    if (job === undefined) return { exitCode: null, error: { code: 'HOST_NOT_DISPATCHED', message: 'not dispatched, and this control host is not running the fan-out (restarted, or another control host runs it)' } };
    const aborted = new Promise<null>((resolve) => { signal.addEventListener('abort', () => { resolve(null); }, { once: true }); });
    const progress = await Promise.race([job.progressOf(h.host), aborted]);
    if (progress === null) return { exitCode: null, error: { code: 'STOPPED', message: 'stopped following' } };
    return 'agentRunId' in progress ? progress.agentRunId : progress.result;
  };

  const soFar = async (h: FleetHostRecord, agentRunId: string): Promise<HostOutcome> => {
    const client = await clientOf(ctx, h.host);
    const decoder = new TextDecoder();
    for (let offset = 0; ;) {
      const chunk = await client.readLog(agentRunId, offset, LOG_SLICE);
      if (chunk === null) return isFinal(h) ? recorded(h) : { exitCode: null, error: { code: 'AGENT_RUN_NOT_FOUND', message: `agent ${h.host} has no run ${agentRunId}` } };
      const text = decoder.decode(chunk.bytes, { stream: !chunk.done });
      if (text !== '') send({ type: 'output', host: h.host, text });
      if (chunk.done || chunk.bytes.length === 0) break;
      offset = chunk.nextOffset;
    }
    if (isFinal(h)) return recorded(h);
    const run = await client.get(agentRunId);
    return run?.done === true ? { exitCode: run.exitCode, error: run.error, runId: run.id } : { exitCode: null, error: { code: NOT_FINAL, message: 'still running' } };
  };

  const task: HostTask = async (host, timeout) => {
    const h = byHost.get(host);
    if (h === undefined) return failureOf(new Error(`no host ${host}`));
    const signal = AbortSignal.any([timeout, gone.signal]);
    try {
      const agentRunId = await agentRunOf(h, signal);
      if (typeof agentRunId !== 'string') return agentRunId;
      if (!follow) return await soFar(h, agentRunId);
      const final = await (await clientOf(ctx, host)).events(agentRunId, (event) => {
        if (event.type === 'output') send({ type: 'output', host, text: event.text });
      }, signal, 0);
      if (final === null) return { exitCode: null, error: { code: 'STOPPED', message: 'stopped following' }, runId: agentRunId };
      return { exitCode: final.exitCode, error: final.error, runId: final.id };
    } catch (err) {
      // The record still knows how a finished host ended, even if its agent cannot be reached now.
      return isFinal(h) ? recorded(h) : failureOf(err);
    }
  };

  const final: HostResult[] = [];
  const results = await fanOut(hosts.map((h) => h.host), task, {
    maxConcurrency: FOLLOW_CONCURRENCY,
    maxErrors: Infinity,
    hostTimeoutMs: FOLLOW_LIMIT_MS,
    signal: gone.signal,
    onResult: (r) => {
      if (r.error?.code === NOT_FINAL) return;
      // A host the fan-out never dispatched stays `skipped` here too, as in the answer that ran it.
      const result = byHost.get(r.host)?.state === 'skipped' ? { ...r, status: 'skipped' as const } : r;
      final.push(result);
      send({ type: 'result', ...result });
    },
  });
  send({ ...summaryLine(final), run: record.id, finished: final.length === results.length });
  reply.raw.end();
}
