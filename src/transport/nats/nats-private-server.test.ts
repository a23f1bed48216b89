/**
 * The NATS transport against private nats-servers started for these tests on free loopback ports:
 * across a server restart (the shared one on 4222 is never stopped), and with token auth.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as connectTcp, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test, type TestContext } from 'node:test';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { hasCode } from '../../core/errors.js';
import { PLAYED, ScriptedRunService } from '../../../test/support/scripted-run-service.js';
import { NatsTransport, probeNats, publishWrit, readResult, resultSubject, type NatsTransportOptions } from './index.js';
import { waitFor } from './test-support.js';

const NATS_SERVER = '/usr/sbin/nats-server';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  assert.ok(address && typeof address === 'object');
  return address.port;
}

const accepting = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connectTcp(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });

/** A private JetStream server; start() again after stop() brings it back with the same store. */
function privateServer(t: TestContext, port: number, extraArgs: readonly string[] = []): { start(): Promise<void>; stop(): Promise<void> } {
  const store = mkdtempSync(join(tmpdir(), 'writ-nats-server-'));
  let child: ChildProcess | null = null;
  const stop = async (): Promise<void> => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  t.after(async () => {
    await stop();
    rmSync(store, { recursive: true, force: true });
  });
  return {
    async start() {
      child = spawn(NATS_SERVER, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store, ...extraArgs], { stdio: 'ignore' });
      await waitFor('the private nats-server', () => accepting(port), 5000);
    },
    stop,
  };
}

function options(t: TestContext, port: number): NatsTransportOptions {
  const stateDir = mkdtempSync(join(tmpdir(), 'writ-nats-state-'));
  t.after(() => rmSync(stateDir, { recursive: true, force: true }));
  const base = { subjectPrefix: 'writ', runsStream: 'WRIT_RUNS', resultsStream: 'WRIT_RESULTS', createStreams: true, maxBytes: 1024 };
  return { ...base, servers: [`nats://127.0.0.1:${port}`], hostName: 'h', tags: [], durable: 'writ-agent-h', stateDir };
}

test('nats: a server restart is reported once each way, and writs flow again after the client reconnects', async (t) => {
  const port = await freePort();
  const server = privateServer(t, port);
  await server.start();
  const errors: unknown[] = [];
  const service = new ScriptedRunService('nats');
  const transport = new NatsTransport({ ...options(t, port), onError: (err) => errors.push(err) });
  await transport.start(service);
  t.after(() => transport.stop());
  // The server goes away while the transport waits for writs: both changes are reported, once each.
  await server.stop();
  await sleep(300);
  await server.start();
  await waitFor('the reconnect', () => errors.some((err) => hasCode(err, 'TRANSPORT_RECONNECTED')), 10_000);
  const nc = await connect({ servers: `nats://127.0.0.1:${port}` });
  const js = jetstream(nc);
  const { seq } = await publishWrit(js, 'writ', { host: 'h' }, Buffer.from('ok'));
  await waitFor('the result', async () => (await readResult(js, 'WRIT_RESULTS', resultSubject('writ', 'h', seq))).done !== null, 15_000);
  const res = await readResult(js, 'WRIT_RESULTS', resultSubject('writ', 'h', seq));
  assert.deepEqual([res.done?.exitCode, res.log.toString()], [0, PLAYED]);
  assert.equal(errors.filter((err) => hasCode(err, 'TRANSPORT_RECONNECTED')).length, 1);
  assert.equal(errors.filter((err) => hasCode(err, 'TRANSPORT_UNAVAILABLE') && err instanceof Error && err.message.includes('disconnected')).length, 1);
  assert.equal((await (await jetstreamManager(nc)).streams.info('WRIT_RUNS')).state.messages, 1);
  // Closed while the server is up (the hooks stop it first): a drain against a dead server waits for its timeout.
  await transport.stop();
  await nc.close();
});

test('nats: the token is sent; a wrong or missing one is TRANSPORT_UNAVAILABLE', async (t) => {
  const port = await freePort();
  const server = privateServer(t, port, ['--auth', 'the-right-token']);
  await server.start();
  const base = options(t, port);
  assert.match(await probeNats({ ...base, token: 'the-right-token' }), /will be created/);
  for (const wrong of [{ token: 'a-wrong-token' }, {}]) {
    await assert.rejects(probeNats({ ...base, ...wrong }), (err) => hasCode(err, 'TRANSPORT_UNAVAILABLE'));
    await assert.rejects(new NatsTransport({ ...base, ...wrong }).start(new ScriptedRunService('nats')), (err) => hasCode(err, 'TRANSPORT_UNAVAILABLE'));
  }
  const transport = new NatsTransport({ ...base, token: 'the-right-token' });
  await transport.start(new ScriptedRunService('nats'));
  await transport.stop();
});
