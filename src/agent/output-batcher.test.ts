import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RunEvent } from '../transport/index.js';
import { OutputBatcher } from './output-batcher.js';

function harness(windowMs = 20, maxBytes = 1000) {
  const stored: { stream: string; text: string }[] = [];
  const events: RunEvent[] = [];
  let total = 0;
  const batcher = new OutputBatcher(
    (stream, text) => {
      stored.push({ stream, text });
      total += Buffer.byteLength(text);
      return total;
    },
    (event) => {
      // Shown only after stored: the event's bytes are already in the store.
      if (event.type === 'output') assert.ok(event.offset + Buffer.byteLength(event.text) <= total);
      events.push(event);
    },
    windowMs,
    maxBytes,
  );
  return { batcher, stored, events };
}

test('chunks within the window are merged per stream and stored in one append each', async () => {
  const { batcher, stored, events } = harness();
  for (let i = 0; i < 100; i++) batcher.add('stdout', `line ${i}\n`);
  batcher.add('log', 'é\n');
  batcher.add('stdout', 'tail\n');
  assert.equal(stored.length, 0);
  await new Promise((r) => setTimeout(r, 60));
  assert.deepEqual(stored.map((s) => s.stream), ['stdout', 'log', 'stdout']);
  const offsets = events.map((e) => (e.type === 'output' ? e.offset : -1));
  const firstLen = Buffer.byteLength(stored[0]?.text ?? '');
  assert.deepEqual(offsets, [0, firstLen, firstLen + Buffer.byteLength('é\n')]);
});

test('past maxBytes it flushes at once; flush() empties what is pending (run end)', () => {
  const { batcher, stored } = harness(10_000, 10);
  batcher.add('stdout', '0123456789ab');
  assert.equal(stored.length, 1);
  batcher.add('stdout', 'x');
  batcher.flush();
  batcher.flush();
  assert.deepEqual(stored.map((s) => s.text), ['0123456789ab', 'x']);
});
