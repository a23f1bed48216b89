import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../../../core/errors.js';
import type { HostFunction } from '../../host-api.js';
import { RecordingGate, testContext } from '../testing/recording-gate.js';
import { createInputsModule } from './index.js';

function moduleWith(files: Record<string, Uint8Array>, options: { maxReadBytes?: number; maxOps?: number } = {}) {
  const gate = new RecordingGate();
  const ctx = { ...testContext(gate, options), inputs: new Map(Object.entries(files)) };
  const mod = createInputsModule(ctx);
  return { gate, ctx, call: (name: string, ...args: Parameters<HostFunction>) => (mod[name] as HostFunction)(...args) };
}

test('inputs: names, text and bytes of sealed inputs, with no Cedar request', () => {
  const { gate, call } = moduleWith({ 'b.csv': new TextEncoder().encode('x,y\n'), a: new Uint8Array([0, 255]) });
  assert.deepEqual(call('names'), ['a', 'b.csv']);
  assert.equal(call('read', 'b.csv'), 'x,y\n');
  assert.deepEqual([...(call('readBytes', 'a') as Uint8Array)], [0, 255]);
  assert.equal(gate.asked.length, 0);
});

test('inputs: unknown names, non-strings, non-UTF-8 text and oversize inputs are typed errors', () => {
  const { call } = moduleWith({ bin: new Uint8Array([0xff, 0xfe]), big: new Uint8Array(2048) }, { maxReadBytes: 1024 });
  assert.throws(() => call('read', 'missing'), (e: unknown) => hasCode(e, 'INPUT_NOT_FOUND'));
  assert.throws(() => call('read', 42), (e: unknown) => hasCode(e, 'INVALID_ARGUMENT'));
  assert.throws(() => call('read', 'bin'), (e: unknown) => hasCode(e, 'NOT_UTF8'));
  assert.throws(() => call('readBytes', 'big'), (e: unknown) => hasCode(e, 'FILE_TOO_LARGE'));
  // A prototype key is not an input: the map lookup never reaches Object.prototype.
  assert.throws(() => call('read', '__proto__'), (e: unknown) => hasCode(e, 'INPUT_NOT_FOUND'));
});

test('inputs: the guest gets a copy, so it cannot alter the sealed bytes for a later read', () => {
  const { call } = moduleWith({ a: new Uint8Array([1, 2, 3]) });
  (call('readBytes', 'a') as Uint8Array)[0] = 9;
  assert.deepEqual([...(call('readBytes', 'a') as Uint8Array)], [1, 2, 3]);
});

test('inputs: every call spends the operation budget', () => {
  const { call } = moduleWith({ a: new Uint8Array([1]) }, { maxOps: 2 });
  call('names');
  call('readBytes', 'a');
  assert.throws(() => call('names'), (e: unknown) => hasCode(e, 'OPS_LIMIT'));
});
