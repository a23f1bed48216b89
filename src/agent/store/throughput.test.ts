import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteRunStore, type SynchronousMode } from './index.js';
import { tempDir } from './testing/temp-store.js';

const APPENDS = 1000;

/** Appends per second for small chunks, each its own durable transaction. Printed, never asserted. */
function measure(dir: string, synchronous: SynchronousMode): number {
  const store = SqliteRunStore.open(join(dir, `${synchronous}.db`), { synchronous });
  try {
    store.create({ id: 'bench', writId: null, digest: null, signer: null, transport: 'test' });
    store.markRunning('bench');
    const line = 'a small line of script output, ~50 bytes ✓\n';
    const started = performance.now();
    let total = 0;
    for (let i = 0; i < APPENDS; i++) total = store.appendOutput('bench', i % 2 ? 'stdout' : 'log', line);
    const seconds = (performance.now() - started) / 1000;
    assert.equal(total, APPENDS * Buffer.byteLength(line));
    return APPENDS / seconds;
  } finally {
    store.close();
  }
}

test(`throughput: ${APPENDS} small appends with synchronous=FULL vs NORMAL (printed, not asserted)`, (t) => {
  const dir = tempDir(t);
  const full = measure(dir, 'FULL');
  const normal = measure(dir, 'NORMAL');
  const message = `run store appends/s: synchronous=FULL ${Math.round(full)}, NORMAL ${Math.round(normal)} (FULL costs ${(normal / full).toFixed(1)}x) on ${tmpdir()}`;
  t.diagnostic(message);
  assert.ok(full > 0 && normal > 0);
});
