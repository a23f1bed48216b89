/**
 * The NATS transport's start, stop and restart against the real nats-server on 127.0.0.1:4222:
 * pending records after a crash, drained() after stop(), missing streams, stale tag consumers,
 * redeliveries, and the self-check probe.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { headers } from '@nats-io/transport-node';
import { hasCode } from '../../core/errors.js';
import { FIRST_LINE, ScriptedRunService } from '../../../test/support/scripted-run-service.js';
import { NatsTransport, OFFSET_HEADER, probeNats, publishWrit, resultSubject } from './index.js';
import { fixture, optionsFor, result, started, waitDone, waitFor } from './test-support.js';

const HOST = 'host-a';

test('nats: after a crash, a pending record is completed from the run store, resuming after what was published', async (t) => {
  const fx = await fixture(t);
  const options = optionsFor(fx, HOST);
  mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
  const log = `${FIRST_LINE}kept in the store\n`;
  const subject = resultSubject(fx.prefix, HOST, 7);
  const record = (runId: string, seq: number): void => {
    writeFileSync(join(options.stateDir, `${seq}.json`), JSON.stringify({ runId, resultSubject: resultSubject(fx.prefix, HOST, seq), stream: fx.runsStream, storedAt: '1' }));
  };
  record('run-1', 7);
  record('run-elsewhere', 8);
  // What the crashed process had published: .accepted and the first line.
  await fx.jsm.streams.add({ name: fx.resultsStream, subjects: [`${fx.prefix}.result.>`] });
  await fx.js.publish(`${subject}.accepted`, JSON.stringify({ runId: 'run-1' }));
  const h = headers();
  h.set(OFFSET_HEADER, '0');
  await fx.js.publish(`${subject}.log`, FIRST_LINE, { headers: h });
  const service = new ScriptedRunService('nats');
  service.seed('run-1', log, 'interrupted', null, { code: 'INTERRUPTED', message: 'agent stopped' });
  const { errors } = await started(t, fx, service, HOST);
  assert.ok(errors.some((err) => hasCode(err, 'RUN_NOT_FOUND')));
  const res = await waitDone(fx, HOST, 7);
  assert.deepEqual([res.done?.exitCode, res.done?.run?.state, res.done?.error?.code, res.done?.size], [null, 'interrupted', 'INTERRUPTED', Buffer.byteLength(log)]);
  assert.equal(res.log.toString(), log);
  assert.deepEqual(res.kinds, ['accepted', 'log', 'log', 'done'], 'nothing published twice');
  await waitFor('the completed record to go', () => !existsSync(join(options.stateDir, '7.json')));
  assert.deepEqual(readdirSync(options.stateDir), ['8.json'], 'a record of an unknown run stays');
  assert.equal((await result(fx, HOST, 8)).kinds.length, 0);
  assert.equal(service.submitted.length, 0);
});

test('nats: after stop(), nothing new is taken, a run still going gets its .done, then drained() resolves', async (t) => {
  const fx = await fixture(t);
  const service = new ScriptedRunService('nats');
  const { transport, options } = await started(t, fx, service, HOST);
  const { seq } = await publishWrit(fx.js, fx.prefix, { host: HOST }, Buffer.from('okhang'));
  await waitFor('the first line', async () => (await result(fx, HOST, seq)).log.length > 0);
  await transport.stop();
  const later = await publishWrit(fx.js, fx.prefix, { host: HOST }, Buffer.from('ok'));
  setTimeout(() => {
    service.append('run-1', 'after stop\n');
    service.finish('run-1', 'succeeded', 0);
  }, 200);
  let drained = false;
  const draining = transport.drained().then(() => {
    drained = true;
  });
  await sleep(100);
  assert.equal(drained, false, 'drained() waits for the run');
  await draining;
  // Published before drained() resolved: read at once, no polling.
  const res = await result(fx, HOST, seq);
  assert.deepEqual([res.done?.exitCode, res.log.toString()], [0, `${FIRST_LINE}after stop\n`]);
  assert.deepEqual(readdirSync(options.stateDir), []);
  assert.equal(service.submitted.length, 1);
  assert.equal((await result(fx, HOST, later.seq)).kinds.length, 0);
  // The writ that arrived after stop() waits in the stream for the next start.
  await started(t, fx, service, HOST);
  assert.equal((await waitDone(fx, HOST, later.seq)).done?.exitCode, 0);
});

test('nats: a redelivered writ whose pending record is on disk is acked again, not run again', async (t) => {
  const fx = await fixture(t);
  const service = new ScriptedRunService('nats');
  const first = await started(t, fx, service, HOST);
  await first.transport.stop();
  await first.transport.drained();
  const { seq } = await publishWrit(fx.js, fx.prefix, { host: HOST }, Buffer.from('ok'));
  // Taken by a process that wrote its record and died before its ack was stored.
  const consumer = await fx.js.consumers.get(fx.runsStream, first.options.durable);
  const taken = await consumer.next({ expires: 2000 });
  assert.ok(taken);
  writeFileSync(join(first.options.stateDir, `${seq}.json`), JSON.stringify({ runId: 'run-9', resultSubject: resultSubject(fx.prefix, HOST, seq), stream: fx.runsStream, storedAt: String(taken.info.timestampNanos) }));
  taken.nak();
  const { errors } = await started(t, fx, service, HOST);
  assert.ok(errors.some((err) => hasCode(err, 'RUN_NOT_FOUND')), 'the record names a run this store lacks');
  await waitFor('the redelivery to be acked', async () => (await consumer.info()).num_ack_pending === 0);
  const info = await consumer.info();
  assert.deepEqual([info.num_pending, info.num_ack_pending, service.submitted.length], [0, 0, 0]);
});

test('nats: missing streams are TRANSPORT_UNAVAILABLE unless createStreams; consumers of dropped tags are deleted', async (t) => {
  const fx = await fixture(t);
  const service = new ScriptedRunService('nats');
  const noCreate = new NatsTransport(optionsFor(fx, HOST, { createStreams: false }));
  await assert.rejects(noCreate.start(service), (err) => hasCode(err, 'TRANSPORT_UNAVAILABLE') && err instanceof Error && err.message.includes(fx.runsStream));
  const withTags = await started(t, fx, service, HOST, { tags: ['web', 'db'] });
  await withTags.transport.stop();
  // Another host's consumer on the same stream, whose name happens to start like ours: not ours to delete.
  const foreign = `${withTags.options.durable}-tag-x`;
  await fx.jsm.consumers.add(fx.runsStream, { durable_name: foreign, ack_policy: 'explicit', filter_subject: `${fx.prefix}.run.tag.x` });
  await started(t, fx, service, HOST, { tags: ['web'], createStreams: false });
  const names: string[] = [];
  for await (const info of fx.jsm.consumers.list(fx.runsStream)) names.push(info.name);
  assert.equal(names.length, 3, names.join(','));
  assert.ok(names.includes(withTags.options.durable) && names.includes(foreign));
  assert.ok(names.some((n) => n.includes('-tag-web-')) && !names.some((n) => n.includes('-tag-db-')));
});

test('nats: probeNats reports a reachable server and its streams; a closed port fails fast', async (t) => {
  const fx = await fixture(t);
  const options = optionsFor(fx, HOST, { createStreams: false });
  await assert.rejects(probeNats(options), (err) => hasCode(err, 'TRANSPORT_UNAVAILABLE'));
  assert.match(await probeNats({ ...options, createStreams: true }), /will be created/);
  await fx.jsm.streams.add({ name: fx.runsStream, subjects: [`${fx.prefix}.run.>`] });
  await fx.jsm.streams.add({ name: fx.resultsStream, subjects: [`${fx.prefix}.result.>`] });
  assert.match(await probeNats(options), /streams present/);
  const port = await closedPort();
  const closed = { ...options, servers: [`nats://127.0.0.1:${port}`] };
  const startedAt = Date.now();
  await assert.rejects(probeNats(closed), (err) => hasCode(err, 'TRANSPORT_UNAVAILABLE'));
  await assert.rejects(new NatsTransport(closed).start(new ScriptedRunService('nats')), (err) => hasCode(err, 'TRANSPORT_UNAVAILABLE'));
  assert.ok(Date.now() - startedAt < 3000, `took ${Date.now() - startedAt} ms`);
  // tls:// means TLS: a server that offers none is refused, not spoken to in plain text.
  await assert.rejects(probeNats({ ...options, servers: ['tls://127.0.0.1:4222'] }), (err) => hasCode(err, 'TRANSPORT_UNAVAILABLE'));
});

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  assert.ok(address && typeof address === 'object');
  return address.port;
}
