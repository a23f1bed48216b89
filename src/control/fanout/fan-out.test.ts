import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../../core/errors.js';
import { checkFanOutOptions, fanOut, overallExitCode, progressLine, summaryTable, type HostOutcome } from './index.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const hosts = (n: number): string[] => Array.from({ length: n }, (_, i) => `h${i}`);
const exit = (exitCode: number): HostOutcome => ({ exitCode, error: null });

test('never more than maxConcurrency hosts in flight, every host gets its own exit code back exactly', async () => {
  let inFlight = 0;
  let peak = 0;
  const results = await fanOut(hosts(20), async (host) => {
    peak = Math.max(peak, ++inFlight);
    await sleep(5);
    inFlight--;
    return exit(Number(host.slice(1)) % 7);
  }, { maxConcurrency: 4, maxErrors: Infinity, hostTimeoutMs: 5_000 });
  assert.equal(peak, 4);
  assert.deepEqual(results.map((r) => r.exitCode), hosts(20).map((_, i) => i % 7));
  assert.deepEqual(results.map((r) => r.status).slice(0, 2), ['ok', 'failed']);
});

test('once more than maxErrors hosts failed, nothing new is dispatched; the rest are skipped, not lost', async () => {
  const dispatched: string[] = [];
  const results = await fanOut(hosts(10), (host) => {
    dispatched.push(host);
    return Promise.resolve(exit(2));
  }, { maxConcurrency: 1, maxErrors: 2, hostTimeoutMs: 5_000 });
  assert.deepEqual(dispatched, ['h0', 'h1', 'h2']);
  assert.deepEqual(results.map((r) => r.status), ['failed', 'failed', 'failed', ...Array<string>(7).fill('skipped')]);
  assert.equal(results[5]?.error?.code, 'MAX_ERRORS');
});

test('an aborted signal stops dispatching: hosts in flight finish untouched, the rest are skipped as CANCELLED', async () => {
  const controller = new AbortController();
  const dispatched: string[] = [];
  let inFlightAborted = false;
  const results = await fanOut(hosts(6), async (host, signal) => {
    dispatched.push(host);
    if (host === 'h1') controller.abort();
    signal.addEventListener('abort', () => (inFlightAborted = true));
    await sleep(20);
    return exit(0);
  }, { maxConcurrency: 2, maxErrors: Infinity, hostTimeoutMs: 5_000, signal: controller.signal });
  assert.deepEqual(dispatched, ['h0', 'h1']);
  assert.deepEqual(results.map((r) => [r.status, r.error?.code ?? null]), [['ok', null], ['ok', null], ...Array<[string, string]>(4).fill(['skipped', 'CANCELLED'])]);
  assert.equal(inFlightAborted, false, 'a host in flight keeps running to its own result');
  const none = await fanOut(hosts(2), () => Promise.resolve(exit(0)), { maxConcurrency: 1, maxErrors: Infinity, hostTimeoutMs: 100, signal: AbortSignal.abort() });
  assert.deepEqual(none.map((r) => r.status), ['skipped', 'skipped']);
});

test('a host that takes too long is a timeout, its task is aborted, and the others go on', async () => {
  let aborted = false;
  const results = await fanOut(['slow', 'fast'], async (host, signal) => {
    if (host === 'fast') return exit(0);
    signal.addEventListener('abort', () => (aborted = true));
    await sleep(2_000);
    return exit(0);
  }, { maxConcurrency: 2, maxErrors: Infinity, hostTimeoutMs: 100 });
  assert.deepEqual(results.map((r) => [r.host, r.status, r.error?.code ?? null]), [['slow', 'timeout', 'HOST_TIMEOUT'], ['fast', 'ok', null]]);
  assert.ok(aborted);
});

test('a task that throws is an error result with its code; duplicate targets run once', async () => {
  let calls = 0;
  const results = await fanOut(['a', 'b', 'a'], (host) => {
    calls++;
    if (host === 'b') return Promise.reject(Object.assign(new Error('refused'), { code: 'AGENT_UNREACHABLE' }));
    return Promise.resolve(exit(0));
  }, { maxConcurrency: 3, maxErrors: Infinity, hostTimeoutMs: 1_000 });
  assert.equal(calls, 2);
  assert.deepEqual(results.map((r) => [r.host, r.status, r.error?.code ?? null]), [['a', 'ok', null], ['b', 'error', 'AGENT_UNREACHABLE']]);
});

test('overall exit code: 0 if all ok, the shared code when the failures agree, else 1', () => {
  const r = (status: 'ok' | 'failed' | 'error', exitCode: number | null) => ({ host: 'h', status, exitCode, error: null, durationMs: 1 });
  assert.equal(overallExitCode([r('ok', 0), r('ok', 0)]), 0);
  assert.equal(overallExitCode([r('ok', 0), r('failed', 3), r('failed', 3)]), 3);
  assert.equal(overallExitCode([r('failed', 3), r('failed', 5)]), 1);
  assert.equal(overallExitCode([r('failed', 3), r('error', null)]), 1);
});

test('summary table and progress line show every host and the counts', async () => {
  const results = await fanOut(['web1', 'web2'], (host) => Promise.resolve(exit(host === 'web1' ? 0 : 3)), { maxConcurrency: 2, maxErrors: Infinity, hostTimeoutMs: 1_000 });
  const table = summaryTable(results);
  assert.match(table, /^HOST\s+STATUS\s+EXIT/);
  assert.match(table, /web2\s+failed\s+3/);
  assert.match(table, /2 host\(s\): 1 ok, 1 failed/);
  assert.match(progressLine(1, 2, results.slice(0, 1), 10), /^\[#####-----\] 1\/2 ok 1/);
  assert.throws(() => checkFanOutOptions({ maxConcurrency: 0, maxErrors: 1, hostTimeoutMs: 1 }), (e: unknown) => hasCode(e, 'USAGE'));
});
