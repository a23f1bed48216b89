import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { monotonicMs } from '../../core/clock.js';
import { run, testHost } from './test-support.js';

describe('host calls: data in and out', () => {
  test('host functions receive plain host data and their return values come back', async () => {
    const host = testHost();
    const o = await run(
      `const r = fs.echo('s', 1.5, -0, NaN, true, null, undefined, [1, [2]], { a: { b: 'c' } }, new Uint8Array([7, 8]));
       [typeof r[0], r[1], Object.is(r[2], -0), Number.isNaN(r[3]), r[4], r[5], r[6] === undefined, r[7][1][0], r[8].a.b,
        r[9] instanceof Uint8Array, Array.from(r[9])]`,
      { host: host.api },
    );
    assert.equal(o.status, 'succeeded', JSON.stringify(o.error));
    assert.deepEqual(o.result, ['string', 1.5, true, true, true, null, true, 2, 'c', true, [7, 8]]);
    const args = host.calls[0]?.args ?? [];
    assert.equal(args.length, 10);
    assert.ok(Object.is(args[2], -0));
    assert.equal(Object.getPrototypeOf(args[8]), Object.prototype);
    assert.ok(Array.isArray(args[7]));
    assert.ok(args[9] instanceof Uint8Array);
    assert.deepEqual([...args[9]], [7, 8]);
  });

  test('typed arrays, DataViews and ArrayBuffers arrive as Uint8Array copies of their bytes', async () => {
    const host = testHost();
    await run(
      `const buf = new ArrayBuffer(8); const u16 = new Uint16Array(buf); u16[1] = 0x0201;
       fs.echo(new Uint8Array(buf, 2, 2), new DataView(buf, 2, 2), buf.slice(2, 4), u16.subarray(1, 2))`,
      { host: host.api },
    );
    const args = host.calls[0]?.args ?? [];
    for (const a of args) {
      assert.ok(a instanceof Uint8Array);
      assert.deepEqual([...a], [1, 2]);
    }
  });

  test('a Uint8Array returned by the host is a fresh guest Uint8Array', async () => {
    const o = await run('const b = fs.readBytes("/x"); b[0] = 9; const c = fs.readBytes("/x"); [b instanceof Uint8Array, Array.from(c)]');
    assert.deepEqual(o.result, [true, [0, 1, 2, 255]]);
  });

  test('"__proto__" keys stay own data properties on the host', async () => {
    const host = testHost();
    await run('fs.echo(JSON.parse(\'{"__proto__": {"polluted": true}, "k": 1}\'))', { host: host.api });
    const arg = host.calls[0]?.args[0] as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(arg), Object.prototype);
    assert.ok(Object.hasOwn(arg, '__proto__'));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('sync calls also work with await', async () => {
    const o = await run('const v = await fs.read("/a"); v.toUpperCase()');
    assert.equal(o.result, 'CONTENT OF /A');
  });

  test('a script that replaces JSON, Array and Object intrinsics cannot break the bridge', async () => {
    const host = testHost();
    const o = await run(
      `JSON.stringify = () => 'garbage'; JSON.parse = () => 'garbage';
       Array.prototype.push = () => { throw new Error('x') };
       Object.defineProperty(Object.prototype, 'toJSON', { value: () => 'hijacked', configurable: true });
       Object.defineProperty(Array.prototype, '0', { set() { throw new Error('setter') }, configurable: true });
       const r = fs.echo([1, { a: 'b' }], new Uint8Array([3]));
       delete Object.prototype.toJSON; delete Array.prototype[0];
       [r[0][1].a, r[1][0]]`,
      { host: host.api },
    );
    assert.equal(o.status, 'succeeded', JSON.stringify(o.error));
    assert.deepEqual(o.result, ['b', 3]);
    assert.deepEqual(host.calls[0]?.args, [[1, { a: 'b' }], new Uint8Array([3])]);
  });
});

describe('host calls: hostile arguments become guest TypeErrors', () => {
  const cases: Record<string, string> = {
    cyclic: 'const o = {}; o.self = o; fs.echo(o)',
    throwingGetter: 'fs.echo({ get x() { throw new Error("nope") } })',
    hugeSparseArray: 'fs.echo(new Array(1e9))',
    throwingProxy: 'fs.echo(new Proxy({}, { ownKeys() { throw new Error("trap") } }))',
    function: 'fs.echo(() => 1)',
    symbol: 'fs.echo(Symbol("s"))',
    bigint: 'fs.echo(10n)',
    classInstance: 'fs.echo(new (class A { x = 1 })())',
    date: 'fs.echo(new Date())',
  };
  for (const [name, call] of Object.entries(cases)) {
    test(name, async () => {
      const host = testHost();
      const o = await run(`try { ${call}; 'passed' } catch (e) { e instanceof TypeError ? 'TypeError' : 'other:' + e }`, { host: host.api });
      assert.equal(o.status, 'succeeded', JSON.stringify(o.error));
      assert.equal(o.result, 'TypeError');
      assert.equal(host.calls.length, 0, 'the host function must not be called');
    });
  }

  test('a proxy whose trap loops forever times out instead of hanging the host', async () => {
    const o = await run('fs.echo(new Proxy({}, { ownKeys() { for (;;) {} } }))', { limits: { timeoutMs: 200 } });
    assert.equal(o.status, 'timeout');
  });
});

describe('host errors', () => {
  test('AccessDenied is catchable and carries action, resource and code', async () => {
    const o = await run(`try { fs.read('/secret/key') } catch (e) {
      [e.name, e.code, e.action, e.resource, e instanceof Error, typeof e.message] }`);
    assert.deepEqual(o.result, [
      'AccessDenied', 'ACCESS_DENIED', 'file_system::Action::"read"', 'file_system::File::"/secret/key"', true, 'string',
    ]);
  });

  test('an uncaught denial ends the run as denied with action and resource', async () => {
    const o = await run('fs.read("/a");\nfs.read("/secret/key");\n"unreached"');
    assert.equal(o.status, 'denied');
    assert.equal(o.error?.code, 'ACCESS_DENIED');
    assert.equal(o.error?.action, 'file_system::Action::"read"');
    assert.equal(o.error?.resource, 'file_system::File::"/secret/key"');
    assert.equal(o.result, null);
  });

  test('a denial rejected through a promise is still denied', async () => {
    const o = await run('async function f() { await null; fs.read("/secret/x") }\nawait f()');
    assert.equal(o.status, 'denied');
  });

  test('a forged AccessDenied object does not produce denied', async () => {
    for (const forged of [
      'throw { name: "AccessDenied", code: "ACCESS_DENIED", action: "file_system::Action::\\"read\\"", resource: "fake" }',
      'const e = new Error("x"); e.name = "AccessDenied"; e.code = "ACCESS_DENIED"; e.action = "a"; e.resource = "r"; throw e',
      'try { fs.read("/secret/a") } catch (real) { const e = Object.create(real); throw e }',
    ]) {
      const o = await run(forged);
      assert.equal(o.status, 'failed', forged);
      assert.equal(o.error?.code, 'SCRIPT_ERROR', forged);
      assert.equal(o.error?.action, undefined);
      assert.equal(o.error?.resource, undefined);
    }
  });

  test('a real denial cannot be rewritten to blame another resource', async () => {
    const o = await run('try { fs.read("/secret/a") } catch (e) { e.resource = "/innocent"; e.action = "x"; throw e }');
    assert.equal(o.status, 'denied');
    assert.equal(o.error?.resource, 'file_system::File::"/secret/a"');
  });

  test('SdkError is catchable with name and code', async () => {
    const o = await run('try { fs.missing() } catch (e) { [e.name, e.code, e instanceof Error] }');
    assert.deepEqual(o.result, ['SdkError', 'ENOENT', true]);
  });

  test('LimitExceededError cannot be swallowed by the guest', async () => {
    const host = testHost();
    const o = await run(
      `let tries = 0;
       for (let i = 0; i < 3; i++) { try { fs.overLimit() } catch (e) { tries++ } }
       try { fs.read('/a') } catch (e) {}
       try { console.log('still here?') } catch (e) {}
       'swallowed'`,
      { host: host.api },
    );
    assert.equal(o.status, 'limit');
    assert.equal(o.error?.code, 'OPS_LIMIT');
    assert.equal(o.result, null);
    assert.equal(o.stdout, '');
    assert.deepEqual(host.calls.map((c) => c.fn), ['overLimit'], 'no host call after the limit');
  });

  test('an unexpected host exception ends the run with HOST_ERROR and no host details in the guest', async () => {
    const o = await run('let seen; try { fs.crash() } catch (e) { seen = String(e) + e.stack } seen');
    assert.equal(o.status, 'failed');
    assert.equal(o.error?.code, 'HOST_ERROR');
    const leak = await run('let seen = ""; try { fs.crash() } catch (e) { seen = String(e) + (e.stack || "") } console.log(seen)');
    assert.doesNotMatch(leak.stdout, /private\/host|\.ts:/);
  });

  test('a host value that is not plain data is a HOST_ERROR', async () => {
    const host = testHost({ bad: () => new Date() as unknown as string });
    const o = await run('fs.bad()', { host: host.api });
    assert.equal(o.error?.code, 'HOST_ERROR');
  });

  test('time spent inside host calls counts, and no host call runs after the deadline', async () => {
    const host = testHost({
      slow: () => {
        const until = monotonicMs() + 250;
        while (monotonicMs() < until) { /* busy host work */ }
        return 'late';
      },
    });
    const o = await run('try { fs.slow() } catch (e) {} try { fs.read("/after") } catch (e) {} "done"', { host: host.api, limits: { timeoutMs: 100 } });
    assert.equal(o.status, 'timeout');
    assert.equal(o.error?.code, 'TIMEOUT');
    assert.deepEqual(host.calls.map((c) => c.fn), ['slow']);
  });
});

describe('prelude', () => {
  test('the prelude can extend host modules, which are then frozen', async () => {
    const o = await run(
      `'use strict';
       const r = [fs.twice('/a'), Object.isFrozen(fs)];
       try { fs.read = () => 'mine' } catch (e) { r.push(e.name) }
       r`,
      { prelude: 'fs.twice = (p) => fs.read(p) + fs.read(p);' },
    );
    assert.deepEqual(o.result, ['content of /acontent of /a', true, 'TypeError']);
  });
});
