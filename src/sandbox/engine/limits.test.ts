import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { engineStats } from './run.js';
import { run, testHost } from './test-support.js';

describe('time', () => {
  test('an infinite loop times out on time', async () => {
    const o = await run('while (true) {}', { limits: { timeoutMs: 300 } });
    assert.equal(o.status, 'timeout');
    assert.equal(o.error?.code, 'TIMEOUT');
    assert.ok(o.durationMs < 300 + 200, `took ${o.durationMs} ms`);
  });

  test('a timeout cannot be caught', async () => {
    const o = await run('for (;;) { try { while (true) {} } catch (e) {} finally { } }', { limits: { timeoutMs: 200 } });
    assert.equal(o.status, 'timeout');
  });

  test('an endless promise-job chain times out', async () => {
    const o = await run('function f() { Promise.resolve().then(f) }\nf();\n1', { limits: { timeoutMs: 200 } });
    assert.equal(o.status, 'timeout');
  });

  test('catastrophic regex backtracking times out', async () => {
    const o = await run('/(a+)+$/.test("a".repeat(40) + "b")', { limits: { timeoutMs: 200 } });
    assert.equal(o.status, 'timeout');
  });
});

describe('memory', () => {
  const bombs: Record<string, string> = {
    typedArrays: 'const a = []; while (true) a.push(new Uint8Array(1 << 20))',
    typedArraysCaught: 'const a = []; try { while (true) a.push(new Uint8Array(1 << 20)) } catch (e) {} "swallowed"',
    stringDoubling: 'let s = "x"; while (true) { s = s + s; s.charCodeAt(s.length - 1) }',
    stringRepeat: 'let s = "x"; while (true) s = s.repeat(2)',
    objects: 'const a = []; while (true) a.push({ n: Math.random(), l: [1, 2, 3] })',
    hugeBuffer: 'new ArrayBuffer(1e9).byteLength',
  };
  for (const [name, source] of Object.entries(bombs)) {
    test(`${name} -> limit, and the next run works`, async () => {
      const o = await run(source, { limits: { memoryMiB: 16, timeoutMs: 10_000 } });
      assert.equal(o.status, 'limit', JSON.stringify(o.error));
      assert.equal(o.error?.code, 'MEMORY_LIMIT');
      const next = await run('[1, 2, 3].map((x) => x * 2)');
      assert.equal(next.status, 'succeeded');
      assert.deepEqual(next.result, [2, 4, 6]);
    });
  }

  test('a host result too large for the guest is a memory limit, not a host crash', async () => {
    const host = testHost({ big: () => 'x'.repeat(40 * 1024 * 1024) });
    const o = await run('fs.big().length', { host: host.api, limits: { memoryMiB: 16 } });
    assert.equal(o.status, 'limit');
    assert.equal(o.error?.code, 'MEMORY_LIMIT');
  });
});

describe('stack', () => {
  test('deep recursion is a catchable RangeError inside the guest', async () => {
    const o = await run('function f() { return f() + 1 }\ntry { f() } catch (e) { [e instanceof RangeError, e.name] }');
    assert.deepEqual(o.result, [true, 'RangeError']);
  });

  test('uncaught deep recursion fails the run and the process stays healthy', async () => {
    const o = await run('function f(n) { return f(n + 1) + 1 }\nf(0)');
    assert.equal(o.status, 'failed');
    assert.equal(o.error?.code, 'SCRIPT_ERROR');
    assert.equal((await run('1 + 1')).result, 2);
  });

  test('recursion started from a deep host stack is contained too', async () => {
    const deep = (n: number): ReturnType<typeof run> =>
      n === 0 ? run('const o = { toString() { return String(o) } }; String(o)') : deep(n - 1);
    const o = await deep(6000);
    assert.equal(o.status, 'failed');
    assert.equal(o.error?.code, 'SCRIPT_ERROR');
    assert.equal((await run('2 + 2')).result, 4);
  });
});

describe('output', () => {
  test('a 1 GB console flood ends quickly, truncated exactly at the cap', async () => {
    const cap = 1024 * 1024;
    const rssBefore = process.memoryUsage().rss;
    const o = await run('const s = "x".repeat(1 << 20); for (let i = 0; i < 1024; i++) console.log(s); "done"', {
      limits: { maxOutputBytes: cap, timeoutMs: 10_000 },
    });
    assert.equal(o.status, 'limit');
    assert.equal(o.error?.code, 'OUTPUT_LIMIT');
    assert.equal(o.truncated, true);
    assert.equal(o.stdout.length, cap);
    assert.ok(o.durationMs < 2000, `took ${o.durationMs} ms`);
    assert.ok(process.memoryUsage().rss - rssBefore < 200 * 1024 * 1024);
  });

  test('a flood cannot continue by catching the limit error', async () => {
    const o = await run('for (;;) { try { console.log("y".repeat(1000)) } catch (e) {} }', { limits: { maxOutputBytes: 10_000 } });
    assert.equal(o.status, 'limit');
    assert.equal(o.stdout.length, 10_000);
  });

  test('stdout and logs share one budget, counted in UTF-8 bytes', async () => {
    const o = await run('console.log("ééé"); log.info("abcdef"); 1', { limits: { maxOutputBytes: 10 } });
    assert.equal(o.status, 'limit');
    assert.equal(o.truncated, true);
    assert.equal(o.stdout, 'ééé\n');
    assert.deepEqual(o.logs.map((l) => l.msg), ['abc']);
  });

  test('the result counts against the budget', async () => {
    const fits = await run('"z".repeat(90)', { limits: { maxOutputBytes: 92 } });
    assert.equal(fits.status, 'succeeded');
    const tooBig = await run('"z".repeat(91)', { limits: { maxOutputBytes: 92 } });
    assert.equal(tooBig.status, 'limit');
    assert.equal(tooBig.error?.code, 'OUTPUT_LIMIT');
    assert.equal(tooBig.result, null);
  });
});

describe('resources across runs', () => {
  test('hundreds of runs free every handle (QuickJS asserts on leaks)', async () => {
    const before = engineStats.disposeFailures;
    for (let i = 0; i < 200; i++) {
      const o = await run(`const r = [fs.read('/a'), fs.readBytes('/b'), args.i];
        console.log(r.length); log.info('x');
        try { fs.read('/secret') } catch (e) {}
        try { fs.missing() } catch (e) {}
        r.length + (await Promise.resolve(1))`, { args: { i } });
      assert.equal(o.status, 'succeeded');
    }
    for (const source of ['while(true){}', 'fs.read("/secret/x")', 'throw new Error("x")', 'let s = (']) {
      await run(source, { limits: { timeoutMs: 50 } });
    }
    assert.equal(engineStats.disposeFailures, before);
  });
});
