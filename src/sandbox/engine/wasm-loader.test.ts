import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compiledQuickJS, instantiateQuickJS } from './wasm-loader.js';
import { GuestMemoryError, isMemoryFailure, MIN_PAGES, newCappedMemory, newSignals, PAGE_BYTES, WA } from './wasm-memory.js';

/** Runs `body` (synchronously: the test runner itself reports over stdout between awaits) with the host's stdout/stderr writes captured. */
function captureOutput(body: () => void): string {
  const written: string[] = [];
  const { stdout, stderr } = process;
  const originals = [stdout.write.bind(stdout), stderr.write.bind(stderr)] as const;
  const capture = (chunk: unknown): boolean => {
    written.push(String(chunk));
    return true;
  };
  stdout.write = capture;
  stderr.write = capture;
  try {
    body();
  } finally {
    stdout.write = originals[0];
    stderr.write = originals[1];
  }
  return written.join('');
}

describe('wasm loader', () => {
  test('the module is compiled once per process', async () => {
    assert.equal(compiledQuickJS(), compiledQuickJS());
    const a = await instantiateQuickJS(MIN_PAGES, MIN_PAGES + 64);
    const b = await instantiateQuickJS(MIN_PAGES, MIN_PAGES + 64);
    assert.notEqual(a.memory, b.memory);
    assert.notEqual(a.module, b.module);
  });

  test('an abort inside QuickJS prints nothing on the host and is recorded', async () => {
    const loaded = await instantiateQuickJS(MIN_PAGES, MIN_PAGES + 64);
    const context = loaded.module.newContext();
    // A live handle at runtime teardown trips QuickJS's leak assertion: an Emscripten abort.
    const leaked = context.newObject();
    assert.ok(leaked.alive);
    let thrown: unknown;
    const printed = captureOutput(() => {
      try {
        context.runtime.dispose();
      } catch (err) {
        thrown = err;
      }
    });
    assert.equal(printed, '');
    assert.ok(thrown instanceof WA.RuntimeError, String(thrown));
    assert.match(loaded.signals.aborted ?? '', /Assertion failed/);
  });

  test('a host allocation that does not fit is refused before anything is written', async () => {
    const loaded = await instantiateQuickJS(MIN_PAGES, MIN_PAGES + 64);
    const context = loaded.module.newContext();
    assert.throws(() => context.newString('x'.repeat(40 * 1024 * 1024)), GuestMemoryError);
    assert.equal(loaded.signals.hostAllocationFailed, true);
  });

  test('a growth refused at the cap is signalled; a later successful growth clears it', () => {
    const signals = newSignals();
    const memory = newCappedMemory(MIN_PAGES, MIN_PAGES + 2, signals);
    assert.throws(() => memory.grow(3), RangeError);
    assert.equal(signals.growthRefused, true);
    assert.equal(memory.grow(2), MIN_PAGES);
    assert.equal(signals.growthRefused, false);
    assert.equal(memory.buffer.byteLength, (MIN_PAGES + 2) * PAGE_BYTES);
  });
});

describe('memory failure classification', () => {
  const signals = newSignals();
  const memory = newCappedMemory(MIN_PAGES, MIN_PAGES * 4, signals);

  test('aborts that name memory are memory failures', () => {
    assert.ok(isMemoryFailure(new WA.RuntimeError('Aborted(OOM)'), memory, MIN_PAGES * 4, signals));
    assert.ok(isMemoryFailure(new WA.RuntimeError('Aborted(Cannot enlarge memory arrays)'), memory, MIN_PAGES * 4, signals));
    assert.ok(isMemoryFailure(new GuestMemoryError('full'), memory, MIN_PAGES * 4, signals));
  });

  test('a trap far from the cap or a host stack overflow is not', () => {
    assert.equal(isMemoryFailure(new WA.RuntimeError('unreachable'), memory, MIN_PAGES * 4, signals), false);
    assert.equal(isMemoryFailure(new RangeError('Maximum call stack size exceeded'), memory, MIN_PAGES * 4, signals), false);
  });

  test('a trap with the memory at its cap is', () => {
    const full = newCappedMemory(MIN_PAGES, MIN_PAGES, signals);
    assert.ok(isMemoryFailure(new WA.RuntimeError('memory access out of bounds'), full, MIN_PAGES, signals));
  });
});
