import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SqliteRunStore } from './index.js';
import { newRun, openTemp, storeCode as code } from './testing/temp-store.js';

test('lifecycle: create, run, append, read by byte offset, finish', (t) => {
  const store = openTemp(t);
  const created = store.create(newRun('r1'));
  assert.equal(created.state, 'queued');
  assert.equal(created.outputBytes, 0);
  assert.equal(created.startedAt, null);
  assert.match(created.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  store.markRunning('r1');
  assert.equal(store.get('r1')?.state, 'running');
  assert.notEqual(store.get('r1')?.startedAt, null);

  const parts: [('stdout' | 'log'), string | Uint8Array][] = [['stdout', 'hello '], ['log', 'wörld ✓\n'], ['stdout', new Uint8Array([0, 255, 10])], ['stdout', '日本語']];
  const expected = Buffer.concat(parts.map(([, d]) => (typeof d === 'string' ? Buffer.from(d) : Buffer.from(d))));
  let total = 0;
  for (const [stream, data] of parts) {
    total = store.appendOutput('r1', stream, data);
  }
  assert.equal(total, expected.length);
  assert.equal(store.appendOutput('r1', 'stdout', ''), total, 'an empty chunk adds nothing');
  assert.equal(store.get('r1')?.outputBytes, expected.length);

  const all = store.readOutput('r1', 0);
  assert.deepEqual(all.bytes, expected);
  assert.equal(all.nextOffset, expected.length);
  assert.equal(all.done, false, 'not done while the run is still running');

  // Mid-chunk, across chunk boundaries, bounded by maxBytes.
  const mid = store.readOutput('r1', 3, 10);
  assert.deepEqual(mid.bytes, expected.subarray(3, 13));
  assert.deepEqual([mid.offset, mid.nextOffset], [3, 13]);
  // Mid-multibyte: 'ö' starts at byte 7; starting at 8 returns its second byte alone (bytes are bytes).
  const split = store.readOutput('r1', 8, 2);
  assert.deepEqual(split.bytes, expected.subarray(8, 10));
  assert.equal(split.bytes[0], 0xb6);
  // Page through one byte at a time: the pages concatenate to the whole output.
  const pages: Buffer[] = [];
  for (let off = 0; off < expected.length; ) {
    const page = store.readOutput('r1', off, 1);
    pages.push(page.bytes);
    off = page.nextOffset;
  }
  assert.deepEqual(Buffer.concat(pages), expected);
  // At and past the end: empty, not an error.
  for (const off of [expected.length, expected.length + 100]) {
    const end = store.readOutput('r1', off);
    assert.deepEqual([end.bytes.length, end.nextOffset, end.done], [0, off, false]);
  }

  const chunks = store.readChunks('r1', 0);
  assert.deepEqual(chunks.map((c) => [c.seq, c.stream, c.offset]), [[0, 'stdout', 0], [1, 'log', 6], [2, 'stdout', 17], [3, 'stdout', 20]]);
  assert.deepEqual(store.readChunks('r1', 2).map((c) => c.data), [Buffer.from([0, 255, 10]), Buffer.from('日本語')]);
  assert.deepEqual(store.readChunks('r1', 1, 1).map((c) => c.seq), [1]);
  assert.deepEqual(store.readChunks('r1', 99), []);

  const finished = store.finish('r1', { state: 'succeeded', exitCode: 0, report: '{"status":"succeeded"}' });
  assert.equal(finished.state, 'succeeded');
  assert.equal(finished.exitCode, 0);
  assert.equal(finished.report, '{"status":"succeeded"}');
  assert.notEqual(finished.finishedAt, null);
  assert.equal(store.readOutput('r1', 0).done, true, 'done once final and fully read');
  assert.equal(store.readOutput('r1', 0, 5).done, false, 'not done while bytes remain');
  assert.equal(store.readOutput('r1', expected.length).done, true);

  assert.throws(() => store.finish('r1', { state: 'failed', exitCode: 1 }), code('RUN_FINISHED'));
  assert.throws(() => store.appendOutput('r1', 'stdout', 'late'), code('RUN_FINISHED'));
  assert.throws(() => store.markRunning('r1'), code('RUN_FINISHED'));
  assert.equal(store.get('r1')?.state, 'succeeded', 'a final run keeps its first outcome');
  assert.equal(store.get('r1')?.outputBytes, expected.length);
});

test('rejected runs are final on creation; queued runs can be finished without running', (t) => {
  const store = openTemp(t);
  const rejected = store.create(newRun('rej'), 'rejected', { code: 'SIGNER_UNTRUSTED', message: 'no trusted key', report: '{"status":"rejected"}' });
  assert.equal(rejected.state, 'rejected');
  assert.equal(rejected.exitCode, 4);
  assert.equal(rejected.errorCode, 'SIGNER_UNTRUSTED');
  assert.equal(rejected.errorMessage, 'no trusted key');
  assert.equal(rejected.report, '{"status":"rejected"}');
  assert.equal(rejected.finishedAt, rejected.createdAt);
  assert.equal(rejected.startedAt, null);
  assert.equal(store.readOutput('rej', 0).done, true);
  assert.throws(() => store.markRunning('rej'), code('RUN_FINISHED'));
  assert.throws(() => store.appendOutput('rej', 'log', 'x'), code('RUN_FINISHED'));
  assert.throws(() => store.finish('rej', { state: 'failed', exitCode: 1 }), code('RUN_FINISHED'));

  store.create(newRun('q'));
  const cancelled = store.finish('q', { state: 'cancelled', exitCode: null, errorCode: 'CANCELLED', errorMessage: 'on request' });
  assert.deepEqual([cancelled.state, cancelled.startedAt, cancelled.errorCode], ['cancelled', null, 'CANCELLED']);
});

test('errors: unknown runs, duplicates, wrong transitions, bad arguments, closed store', (t) => {
  const store = openTemp(t);
  store.create(newRun('a'));
  assert.throws(() => store.create(newRun('a')), code('RUN_EXISTS'));
  for (const call of [
    () => store.markRunning('nope'),
    () => store.appendOutput('nope', 'stdout', 'x'),
    () => store.readOutput('nope', 0),
    () => store.readChunks('nope', 0),
    () => store.finish('nope', { state: 'failed', exitCode: 1 }),
  ]) assert.throws(call, code('RUN_NOT_FOUND'));
  assert.equal(store.get('nope'), null);
  store.markRunning('a');
  assert.throws(() => store.markRunning('a'), code('RUN_NOT_QUEUED'));

  assert.throws(() => store.create(newRun('')), TypeError);
  assert.throws(() => store.create(newRun('x'.repeat(129))), TypeError);
  assert.ok(store.create(newRun('x'.repeat(128))));
  assert.throws(() => store.create(newRun('t', '')), TypeError);
  assert.throws(() => store.create(newRun('rej2'), 'rejected'), TypeError, 'a rejection needs its reason');
  assert.equal(store.get(''), null, 'a malformed id names no run');
  assert.equal(store.get('y'.repeat(500)), null);
  assert.throws(() => store.readOutput('a', -1), RangeError);
  assert.throws(() => store.readOutput('a', 1.5), RangeError);
  assert.throws(() => store.readOutput('a', 0, 0), RangeError);
  assert.throws(() => store.readChunks('a', -1), RangeError);
  assert.throws(() => store.appendOutput('a', 'stderr' as 'log', 'x'), TypeError);
  assert.throws(() => store.finish('a', { state: 'rejected' as 'failed', exitCode: 4 }), TypeError);
  assert.throws(() => store.finish('a', { state: 'running' as 'failed', exitCode: 4 }), TypeError);
  assert.throws(() => store.finish('a', { state: 'failed', exitCode: 1.5 }), TypeError);
  assert.equal(store.get('a')?.state, 'running', 'a refused finish changes nothing');
  assert.throws(() => store.list({ limit: 0 }), RangeError);
  assert.throws(() => store.list({ before: 'not a date' }), TypeError);
  assert.throws(() => store.prune({ maxBytes: -1 }), RangeError);

  store.close();
  store.close();
  store[Symbol.dispose]();
  assert.throws(() => store.get('a'), code('STORE_CLOSED'));
  assert.throws(() => store.appendOutput('a', 'log', 'x'), code('STORE_CLOSED'));
});

test('in-memory store for tests', () => {
  const store = SqliteRunStore.open(':memory:');
  store.create(newRun('m'));
  assert.equal(store.get('m')?.state, 'queued');
  store.close();
});
