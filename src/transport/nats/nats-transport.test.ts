/**
 * The NATS transport against the real nats-server on 127.0.0.1:4222 and the small in-process
 * ScriptedRunService (test/support): accepts bytes starting with "ok", refuses the rest as
 * SIGNATURE_INVALID, and plays a few lines of output before finishing.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { FIRST_LINE, PLAYED, ScriptedRunService } from '../../../test/support/scripted-run-service.js';
import { publishWrit } from './index.js';
import { fixture, result, started, waitDone, waitFor } from './test-support.js';

const HOST = 'host-a';

test('nats: a writ for this host gets .accepted, its whole log by offset, then .done with exit 0, last', async (t) => {
  const fx = await fixture(t);
  const service = new ScriptedRunService('nats');
  const { errors, options } = await started(t, fx, service, HOST);
  const { seq } = await publishWrit(fx.js, fx.prefix, { host: HOST }, Buffer.from('ok'));
  const res = await waitDone(fx, HOST, seq);
  assert.equal(res.log.toString(), PLAYED);
  assert.deepEqual([res.done?.exitCode, res.done?.error, res.done?.size], [0, null, Buffer.byteLength(PLAYED)]);
  assert.deepEqual([res.done?.run?.id, res.done?.run?.state, res.runId], ['run-1', 'succeeded', 'run-1']);
  assert.equal(res.kinds[0], 'accepted');
  assert.ok(res.kinds.slice(1, -1).every((k) => k === 'log') && res.kinds.length >= 3, res.kinds.join(','));
  assert.deepEqual(service.submitted.map(String), ['ok']);
  // Nothing follows the commit marker, and the pending record is gone once it is stored.
  await sleep(150);
  assert.deepEqual((await result(fx, HOST, seq)).kinds, res.kinds);
  await waitFor('the pending record to go', () => readdirSync(options.stateDir).length === 0);
  assert.deepEqual(errors, []);
});

test('nats: a writ for a tag runs once on each host with the tag, each publishing under its own name', async (t) => {
  const fx = await fixture(t);
  const one = new ScriptedRunService('nats');
  const two = new ScriptedRunService('nats');
  await started(t, fx, one, 'web.1', { tags: ['web'] });
  await started(t, fx, two, 'web.2', { tags: ['web', 'eu'] });
  const { seq } = await publishWrit(fx.js, fx.prefix, { tag: 'web' }, Buffer.from('ok'));
  for (const host of ['web.1', 'web.2']) {
    const res = await waitDone(fx, host, seq);
    assert.equal(res.log.toString(), PLAYED, host);
    assert.equal(res.done?.exitCode, 0, host);
  }
  assert.deepEqual([one.submitted.length, two.submitted.length], [1, 1]);
  // A writ for the other tag reaches only the host that has it.
  const eu = await publishWrit(fx.js, fx.prefix, { tag: 'eu' }, Buffer.from('ok'));
  await waitDone(fx, 'web.2', eu.seq);
  await sleep(150);
  assert.deepEqual([one.submitted.length, two.submitted.length], [1, 2]);
  assert.equal((await result(fx, 'web.1', eu.seq)).kinds.length, 0);
});

test('nats: durable: a writ published while the agent is stopped runs when it starts again', async (t) => {
  const fx = await fixture(t);
  const before = new ScriptedRunService('nats');
  const first = await started(t, fx, before, HOST);
  await first.transport.stop();
  await first.transport.drained();
  const { seq } = await publishWrit(fx.js, fx.prefix, { host: HOST }, Buffer.from('ok'));
  await sleep(100);
  assert.equal((await result(fx, HOST, seq)).kinds.length, 0);
  const after = new ScriptedRunService('nats');
  await started(t, fx, after, HOST);
  const res = await waitDone(fx, HOST, seq);
  assert.equal(res.done?.exitCode, 0);
  assert.deepEqual([before.submitted.length, after.submitted.length], [0, 1]);
});

test('nats: a refused writ gets .accepted and .done with its error and exit 4; one too large is refused unread', async (t) => {
  const fx = await fixture(t);
  const service = new ScriptedRunService('nats');
  // The limit is maxBytes + 256 KiB of container allowance: 262,145 bytes here.
  const { errors } = await started(t, fx, service, HOST, { maxBytes: 1 });
  const bad = await publishWrit(fx.js, fx.prefix, { host: HOST }, Buffer.from('tampered'));
  const refused = await waitDone(fx, HOST, bad.seq);
  assert.deepEqual([refused.done?.error?.code, refused.done?.exitCode, refused.done?.run?.state, refused.done?.size], ['SIGNATURE_INVALID', 4, 'rejected', 0]);
  assert.deepEqual(refused.kinds, ['accepted', 'done']);
  const huge = await publishWrit(fx.js, fx.prefix, { host: HOST }, Buffer.alloc(262_146, 'o'));
  const edge = await publishWrit(fx.js, fx.prefix, { host: HOST }, Buffer.alloc(262_145, 'x'));
  const tooLarge = await waitDone(fx, HOST, huge.seq);
  assert.deepEqual([tooLarge.done?.error?.code, tooLarge.done?.exitCode, tooLarge.done?.run, tooLarge.kinds], ['TOO_LARGE', 4, null, ['done']]);
  // Exactly at the limit is still submitted (and refused by the service, not by size).
  assert.equal((await waitDone(fx, HOST, edge.seq)).done?.error?.code, 'SIGNATURE_INVALID');
  assert.deepEqual(service.submitted.map((b) => b.length), [8, 262_145]);
  assert.deepEqual(errors, []);
});

test('nats: QUEUE_FULL is not final: nothing is published, the writ comes back and runs once there is room', async (t) => {
  const fx = await fixture(t);
  const service = new ScriptedRunService('nats');
  service.full = true;
  await started(t, fx, service, HOST);
  const { seq } = await publishWrit(fx.js, fx.prefix, { host: HOST }, Buffer.from('ok'));
  await waitFor('two refused attempts', () => service.submitted.length >= 2);
  assert.equal((await result(fx, HOST, seq)).kinds.length, 0, 'a capacity refusal publishes nothing');
  service.full = false;
  const res = await waitDone(fx, HOST, seq);
  assert.deepEqual([res.done?.exitCode, res.log.toString(), res.kinds[0]], [0, PLAYED, 'accepted']);
});

test('nats: output is published while the run goes on; .done only once it is final', async (t) => {
  const fx = await fixture(t);
  const service = new ScriptedRunService('nats');
  await started(t, fx, service, HOST);
  const { seq } = await publishWrit(fx.js, fx.prefix, { host: HOST }, Buffer.from('okhang'));
  await waitFor('the first line', async () => (await result(fx, HOST, seq)).log.toString() === FIRST_LINE);
  await sleep(150);
  const live = await result(fx, HOST, seq);
  assert.equal(live.done, null);
  assert.equal(live.runId, 'run-1');
  service.append('run-1', 'more\n');
  await waitFor('the second line', async () => (await result(fx, HOST, seq)).log.toString() === `${FIRST_LINE}more\n`);
  service.finish('run-1', 'succeeded', 0);
  const res = await waitDone(fx, HOST, seq);
  assert.deepEqual([res.done?.exitCode, res.done?.size, res.log.toString()], [0, Buffer.byteLength(`${FIRST_LINE}more\n`), `${FIRST_LINE}more\n`]);
  assert.equal(res.kinds.at(-1), 'done');
});
