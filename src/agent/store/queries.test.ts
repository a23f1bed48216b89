import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newRun, openTemp, sleep, storeCode as code } from './testing/temp-store.js';

test('list: newest first, by state, before a time, limit', async (t) => {
  const store = openTemp(t);
  const ids = ['l0', 'l1', 'l2', 'l3', 'l4'];
  for (const id of ids) {
    store.create(newRun(id));
    await sleep(3);
  }
  store.markRunning('l1');
  store.finish('l3', { state: 'failed', exitCode: 1 });
  assert.deepEqual(store.list().map((r) => r.id), [...ids].reverse());
  assert.deepEqual(store.list({}).map((r) => r.id), [...ids].reverse());
  assert.deepEqual(store.list({ limit: 2 }).map((r) => r.id), ['l4', 'l3']);
  assert.deepEqual(store.list({ limit: 5000 }).length, 5, 'a large limit is clamped, not refused');
  assert.deepEqual(store.list({ state: 'queued' }).map((r) => r.id), ['l4', 'l2', 'l0']);
  assert.deepEqual(store.list({ state: 'running' }).map((r) => r.id), ['l1']);
  const before = store.get('l3')!.createdAt;
  assert.deepEqual(store.list({ before }).map((r) => r.id), ['l2', 'l1', 'l0']);
  assert.deepEqual(store.list({ before, state: 'queued', limit: 1 }).map((r) => r.id), ['l2']);
  // Same-millisecond runs keep insertion order (rowid breaks the tie).
  for (const id of ['s0', 's1', 's2']) store.create(newRun(id));
  assert.deepEqual(store.list({ limit: 3 }).map((r) => r.id), ['s2', 's1', 's0']);
});

test('recoverInterrupted: queued and running runs become interrupted, output stays readable', (t) => {
  const store = openTemp(t);
  store.create(newRun('queued'));
  store.create(newRun('running'));
  store.markRunning('running');
  store.appendOutput('running', 'stdout', 'partial');
  store.create(newRun('done'));
  store.finish('done', { state: 'succeeded', exitCode: 0 });
  const now = new Date('2030-01-02T03:04:05.000Z');
  assert.equal(store.recoverInterrupted(now), 2);
  for (const id of ['queued', 'running']) {
    const r = store.get(id)!;
    assert.deepEqual([r.state, r.exitCode, r.errorCode, r.finishedAt], ['interrupted', null, 'INTERRUPTED', now.toISOString()]);
  }
  assert.equal(store.get('done')?.state, 'succeeded');
  assert.deepEqual(store.readOutput('running', 0), { bytes: Buffer.from('partial'), offset: 0, nextOffset: 7, done: true });
  assert.equal(store.recoverInterrupted(), 0);
});

test('prune by age never touches active runs', async (t) => {
  const store = openTemp(t);
  for (const id of ['old-done', 'old-running', 'old-queued']) store.create(newRun(id));
  store.appendOutput('old-done', 'stdout', 'x'.repeat(10));
  store.finish('old-done', { state: 'succeeded', exitCode: 0 });
  store.markRunning('old-running');
  await sleep(5);
  const cutoff = new Date();
  await sleep(5);
  store.create(newRun('new-done'), 'rejected', { code: 'X', message: 'y' });

  assert.deepEqual(store.prune({ maxAgeMs: 0, now: cutoff }), { runs: 1, bytes: 10 });
  assert.equal(store.get('old-done'), null);
  assert.deepEqual(store.list().map((r) => r.id).sort(), ['new-done', 'old-queued', 'old-running']);
  assert.deepEqual(store.prune({ maxAgeMs: 86_400_000 }), { runs: 0, bytes: 0 });
  assert.deepEqual(store.prune({}), { runs: 0, bytes: 0 });
});

test('prune by size deletes the oldest final runs first, and their output', (t) => {
  const store = openTemp(t);
  const sizes: [string, number, boolean][] = [['a', 100, true], ['b', 200, true], ['c', 300, false], ['d', 50, true]];
  for (const [id, size, final] of sizes) {
    store.create(newRun(id));
    store.markRunning(id);
    store.appendOutput(id, 'stdout', 'x'.repeat(size / 2));
    store.appendOutput(id, 'log', 'y'.repeat(size / 2));
    if (final) store.finish(id, { state: 'succeeded', exitCode: 0 });
  }
  assert.equal(store.stats().outputBytes, 650);
  assert.deepEqual(store.prune({ maxBytes: 400 }), { runs: 2, bytes: 300 });
  assert.equal(store.get('a'), null);
  assert.equal(store.get('b'), null);
  assert.throws(() => store.readChunks('a', 0), code('RUN_NOT_FOUND'));
  assert.equal(store.stats().outputBytes, 350);
  assert.deepEqual(store.prune({ maxBytes: 0 }), { runs: 1, bytes: 50 }, 'the running run stays even over budget');
  assert.deepEqual(store.list().map((r) => r.id), ['c']);
  assert.equal(store.readOutput('c', 0).bytes.length, 300);
});

test('stats counts every state', (t) => {
  const store = openTemp(t);
  store.create(newRun('s1'));
  store.create(newRun('s2'));
  store.markRunning('s2');
  store.appendOutput('s2', 'stdout', 'é');
  store.create(newRun('s3'), 'rejected', { code: 'C', message: 'm' });
  const stats = store.stats();
  assert.equal(stats.runs, 3);
  assert.equal(stats.outputBytes, 2);
  assert.deepEqual(stats.byState, { queued: 1, running: 1, succeeded: 0, failed: 0, denied: 0, timeout: 0, limit: 0, rejected: 1, interrupted: 0, cancelled: 0 });
});
