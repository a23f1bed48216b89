/**
 * Shared pieces of the NATS transport tests, against the real nats-server on 127.0.0.1:4222. Each
 * test gets its own subject prefix and stream names, and deletes its streams, so test files can run
 * in parallel against one server.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestContext } from 'node:test';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { RunService } from '../port.js';
import { NatsTransport, readResult, resultSubject, type NatsTransportOptions, type ResultSnapshot } from './index.js';

export const SERVER = 'nats://127.0.0.1:4222';

export interface Fixture {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly prefix: string;
  readonly runsStream: string;
  readonly resultsStream: string;
  readonly root: string;
}

export async function fixture(t: TestContext): Promise<Fixture> {
  const hex = randomBytes(6).toString('hex');
  const nc = await connect({ servers: SERVER, name: `writ-test ${hex}` });
  const jsm = await jetstreamManager(nc);
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'writ-nats-')));
  const fx: Fixture = { nc, js: jetstream(nc), jsm, prefix: `writt${hex}`, runsStream: `WRIT_RUNS_${hex}`, resultsStream: `WRIT_RESULTS_${hex}`, root };
  t.after(async () => {
    for (const stream of [fx.runsStream, fx.resultsStream]) await jsm.streams.delete(stream).catch(() => false);
    await nc.close();
    rmSync(root, { recursive: true, force: true });
  });
  return fx;
}

export function optionsFor(fx: Fixture, hostName: string, overrides: Partial<NatsTransportOptions> = {}): NatsTransportOptions {
  return {
    servers: [SERVER],
    hostName,
    tags: [],
    subjectPrefix: fx.prefix,
    runsStream: fx.runsStream,
    resultsStream: fx.resultsStream,
    createStreams: true,
    durable: `writ-agent-${hostName.replace(/[^A-Za-z0-9_-]/g, '_')}`,
    maxBytes: 1024 * 1024,
    stateDir: join(fx.root, `state-${hostName}`),
    ...overrides,
  };
}

export interface Started {
  readonly transport: NatsTransport;
  readonly errors: unknown[];
  readonly options: NatsTransportOptions;
}

/** A started transport, stopped (and its followers given a moment) when the test ends. */
export async function started(t: TestContext, fx: Fixture, service: RunService, hostName = 'host-a', overrides: Partial<NatsTransportOptions> = {}): Promise<Started> {
  const errors: unknown[] = [];
  const options = optionsFor(fx, hostName, { onError: (err) => errors.push(err), ...overrides });
  const transport = new NatsTransport(options);
  await transport.start(service);
  t.after(() => transport.stop());
  return { transport, errors, options };
}

export async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

export function result(fx: Fixture, hostName: string, seq: number): Promise<ResultSnapshot> {
  return readResult(fx.js, fx.resultsStream, resultSubject(fx.prefix, hostName, seq));
}

/** Polls the results of writ `seq` on `hostName` until its `.done` is stored. */
export async function waitDone(fx: Fixture, hostName: string, seq: number, timeoutMs = 8000): Promise<ResultSnapshot> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const snapshot = await result(fx, hostName, seq);
    if (snapshot.done) return snapshot;
    if (Date.now() > until) throw new Error(`timed out waiting for the .done of ${seq} on ${hostName}`);
    await sleep(20);
  }
}
