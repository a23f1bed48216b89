import type { FastifyReply } from 'fastify';
import { overallExitCode, type HostResult } from '../fanout/index.js';

/** An NDJSON answer written as hosts answer; the reply is taken over from Fastify. */
export function ndjson(reply: FastifyReply): (line: object) => void {
  reply.hijack();
  reply.raw.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' });
  return (line) => {
    // A host that timed out may still answer after the summary: writing after the end would raise
    // an error event on the response, which nothing handles, and take the control host down.
    if (reply.raw.writableEnded || reply.raw.destroyed) return;
    reply.raw.write(`${JSON.stringify(line)}\n`);
  };
}

/** The closing line of a fan-out answer: one exit code for the fleet and how many hosts ended how. */
export function summaryLine(results: readonly HostResult[]): { type: 'summary'; exitCode: number; counts: Partial<Record<HostResult['status'], number>> } {
  const counts: Partial<Record<HostResult['status'], number>> = {};
  for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
  return { type: 'summary', exitCode: overallExitCode(results), counts };
}

/** A failure as a host outcome with a stable code (HOST_ERROR when the error has none). */
export function failureOf(err: unknown): { exitCode: null; error: { code: string; message: string } } {
  const code = (err as { code?: unknown } | null)?.code;
  return { exitCode: null, error: { code: typeof code === 'string' ? code : 'HOST_ERROR', message: err instanceof Error ? err.message : String(err) } };
}
