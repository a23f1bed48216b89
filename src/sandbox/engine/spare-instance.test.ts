import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runInSandbox } from './run.js';
import { enableSpareInstances } from './spare-instance.js';

const run = (source: string, memoryMiB = 64) =>
  runInSandbox({ source, filename: 's.js', language: 'js', args: {}, host: {}, limits: { timeoutMs: 5000, memoryMiB, maxOutputBytes: 1 << 20 } });

test('with spare instances, every run still starts from a pristine interpreter and memory', async () => {
  enableSpareInstances();
  const first = await run('globalThis.leak = "secret"; Object.prototype.polluted = 1; typeof leak');
  assert.equal(first.result, 'string');
  await new Promise((r) => setTimeout(r, 20));
  const second = await run('[typeof globalThis.leak, typeof ({}).polluted]');
  assert.deepEqual(second.result, ['undefined', 'undefined']);
});

test('a spare prepared for one memory cap is not used for another: the smaller cap still binds', async () => {
  enableSpareInstances();
  await run('1', 256);
  await new Promise((r) => setTimeout(r, 20));
  // 48 MiB fits a 256 MiB instance but not a 16 MiB one: using the wrong spare would let it succeed.
  const bomb = await run('const a = []; for (let i = 0; i < 48; i++) a.push(new Uint8Array(1 << 20)); "fit"', 16);
  assert.equal(bomb.status, 'limit');
  assert.equal(bomb.error?.code, 'MEMORY_LIMIT');
});
