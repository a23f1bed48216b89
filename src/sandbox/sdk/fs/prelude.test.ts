import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runInNewContext } from 'node:vm';
import { getQuickJS } from 'quickjs-emscripten';
import { FS_PRELUDE } from './prelude.js';

const TEXT = 'alpha\nbeta gamma\n\nalphabet\n';

/**
 * Runs the prelude in a fresh V8 context whose `fs` is a stand-in for the host module, installed the
 * way `setup` says, then evaluates `probe` and returns its JSON.
 */
function inVm(setup: string, probe: string): unknown {
  const bytes = JSON.stringify([...Buffer.from(TEXT)]);
  const host = `var host = { read: function (p) { reads.push(p); return ${JSON.stringify(TEXT)}; },
    readBytes: function (p) { reads.push(p); return new Uint8Array(${bytes}); }, stat: function () { return 1; } };`;
  const code = `var reads = []; ${host} ${setup}; ${FS_PRELUDE}; JSON.stringify((function () { ${probe} })())`;
  return JSON.parse(runInNewContext(code, {}) as string);
}

const plain = `Object.defineProperty(globalThis, 'fs', { value: host, writable: true, enumerable: false, configurable: true })`;

describe('FS_PRELUDE', () => {
  it('grep: string pattern compiled in the guest, 1-based lines', () => {
    assert.deepEqual(inVm(plain, `return fs.grep('^alpha', '/f');`), [
      { line: 1, text: 'alpha' },
      { line: 4, text: 'alphabet' },
    ]);
    assert.deepEqual(inVm(plain, `return fs.grep(/GAMMA/gi, '/f').concat(fs.grep(/GAMMA/gi, '/f'));`), [
      { line: 2, text: 'beta gamma' },
      { line: 2, text: 'beta gamma' },
    ], 'a g/y flag does not make repeated calls stateful');
  });

  it('tail: last n lines, default 10, 0 gives []', () => {
    assert.deepEqual(inVm(plain, `return [fs.tail('/f', 2), fs.tail('/f'), fs.tail('/f', 0)];`), [
      ['', 'alphabet'],
      ['alpha', 'beta gamma', '', 'alphabet'],
      [],
    ]);
  });

  it('wc: lines, words, bytes from the raw bytes', () => {
    assert.deepEqual(inVm(plain, `return fs.wc('/f');`), { lines: 4, words: 4, bytes: Buffer.byteLength(TEXT) });
  });

  it('bad arguments throw SdkError INVALID_ARGUMENT', () => {
    const probe = `var out = [];
      [function () { fs.grep('(', '/f'); }, function () { fs.grep(1, '/f'); }, function () { fs.tail('/f', -1); },
       function () { fs.tail('/f', 1.5); }].forEach(function (f) { try { f(); out.push('none'); } catch (e) { out.push(e.name + ':' + e.code); } });
      return out;`;
    assert.deepEqual(inVm(plain, probe), Array(4).fill('SdkError:INVALID_ARGUMENT'));
  });

  it('keeps the host functions and the property attributes, and freezes the new object', () => {
    const probe = `var d = Object.getOwnPropertyDescriptor(globalThis, 'fs');
      return [fs.read === host.read, fs.stat === host.stat, Object.isFrozen(fs), d.writable, d.enumerable, d.configurable,
        Object.keys(fs).sort()];`;
    assert.deepEqual(inVm(plain, probe), [true, true, true, true, false, true, ['grep', 'read', 'readBytes', 'stat', 'tail', 'wc']]);
  });

  it('works when the host fs object is already frozen', () => {
    const setup = `Object.freeze(host); ${plain}`;
    assert.deepEqual(inVm(setup, `return fs.tail('/f', 1);`), ['alphabet']);
  });

  it('works when the global is writable but not configurable', () => {
    const setup = `Object.defineProperty(globalThis, 'fs', { value: host, writable: true, configurable: false })`;
    assert.deepEqual(inVm(setup, `return fs.tail('/f', 1);`), ['alphabet']);
  });

  it('falls back to extending the object when the global is fixed, and fails loudly if both are frozen', () => {
    const fixed = `Object.defineProperty(globalThis, 'fs', { value: host, writable: false, configurable: false })`;
    assert.deepEqual(inVm(fixed, `return fs.tail('/f', 1);`), ['alphabet']);
    assert.throws(() => inVm(`Object.freeze(host); ${fixed}`, 'return 1;'), /cannot install/);
  });

  it('does nothing when there is no fs global', () => {
    assert.equal(inVm('', `return typeof fs;`), 'undefined');
  });

  it('runs in QuickJS, where a catastrophic regex is stopped by the interrupt handler', async () => {
    const QuickJS = await getQuickJS();
    const vm = QuickJS.newContext();
    try {
      const setup = `globalThis.fs = { read: function () { return '${'a'.repeat(40)}!\\n'; }, readBytes: function () { return new Uint8Array([97, 10]); } };`;
      vm.unwrapResult(vm.evalCode(setup)).dispose();
      vm.unwrapResult(vm.evalCode(FS_PRELUDE)).dispose();
      const ok = vm.unwrapResult(vm.evalCode(`JSON.stringify([fs.wc('/x'), fs.tail('/x', 1).length, Object.isFrozen(fs)])`));
      assert.equal(vm.getString(ok), JSON.stringify([{ lines: 1, words: 1, bytes: 2 }, 1, true]));
      ok.dispose();
      const deadline = performance.now() + 200;
      vm.runtime.setInterruptHandler(() => performance.now() > deadline);
      const started = performance.now();
      const evil = vm.evalCode(`fs.grep('^(a+)+$', '/x')`);
      assert.ok(evil.error !== undefined, 'the runaway regex was interrupted');
      evil.error.dispose();
      assert.ok(performance.now() - started < 5000);
    } finally {
      vm.dispose();
    }
  });
});
