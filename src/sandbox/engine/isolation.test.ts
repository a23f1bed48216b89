import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ENGINE_GLOBALS, STANDARD_GLOBALS } from './guest-globals.js';
import { run } from './test-support.js';

describe('isolation', () => {
  test('no host capabilities leak into the guest', async () => {
    const names = ['require', 'process', 'module', 'exports', 'Buffer', 'std', 'os', 'setTimeout', 'setInterval',
      'queueMicrotask', 'fetch', 'WebAssembly', 'Atomics', 'performance', 'InternalError', 'print', 'scriptArgs', '__loadScript'];
    const o = await run(`[${names.map((n) => `typeof ${n}`).join(', ')}]`);
    assert.deepEqual(o.result, names.map(() => 'undefined'));
  });

  test('globalThis holds exactly the standard built-ins plus args, console, log and the host modules', async () => {
    const o = await run('Object.getOwnPropertyNames(globalThis).sort()');
    const expected = [...STANDARD_GLOBALS, ...ENGINE_GLOBALS, 'fs'].sort();
    assert.deepEqual(o.result, expected);
    const nonStandard = o.result.filter((n) => !STANDARD_GLOBALS.includes(n));
    assert.deepEqual(nonStandard, ['args', 'console', 'fs', 'log']);
  });

  test('engine globals are non-enumerable and read-only, but a script may shadow them', async () => {
    const o = await run(`'use strict';
      const r = [Object.keys(globalThis).length];
      try { globalThis.fs = {} } catch (e) { r.push(e.name) }
      try { console = {} } catch (e) { r.push(e.name) }
      const d = Object.getOwnPropertyDescriptor(globalThis, 'log');
      r.push(d.writable, d.enumerable);
      r`);
    assert.deepEqual(o.result, [0, 'TypeError', 'TypeError', false, false]);
    const shadow = await run('const log = [1, 2];\nlet args = "mine";\nargs + log.length');
    assert.equal(shadow.status, 'succeeded');
    assert.equal(shadow.result, 'mine2');
  });

  test('host functions are ordinary guest functions: no route to host objects', async () => {
    const o = await run(`[fs.read.constructor === Function, Object.getPrototypeOf(fs) === Object.prototype,
      Object.isFrozen(fs), Object.isFrozen(console), typeof fs.read.constructor('return this')().process]`);
    assert.deepEqual(o.result, [true, true, true, true, 'undefined']);
  });

  test('imports are refused', async () => {
    const staticImport = await run("import fs2 from 'fs';\nexport default 1;");
    assert.equal(staticImport.status, 'failed');
    assert.equal(staticImport.error?.code, 'SCRIPT_ERROR');
    const relative = await run("import x from './local.js';\nexport default x;");
    assert.equal(relative.status, 'failed');
    const dynamic = await run("try { await import('fs'); 'imported' } catch (e) { 'refused' }");
    assert.equal(dynamic.result, 'refused');
    const uncaught = await run("await import('node:child_process')");
    assert.equal(uncaught.status, 'failed');
    assert.equal(uncaught.error?.code, 'SCRIPT_ERROR');
  });

  test('the guest runs in UTC: the host time zone does not leak', async () => {
    const o = await run('[new Date(0).getTimezoneOffset(), new Date(0).getHours(), typeof Date.now()]');
    assert.deepEqual(o.result, [0, 0, 'number']);
  });

  test('runs do not share state', async () => {
    await run('globalThis.leak = 1; Object.prototype.polluted = true;');
    const o = await run('[typeof leak, ({}).polluted]');
    assert.deepEqual(o.result, ['undefined', null]);
  });
});
