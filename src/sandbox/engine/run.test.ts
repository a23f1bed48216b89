import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { run } from './test-support.js';

describe('results', () => {
  test('the completion value of the last expression is the result', async () => {
    const o = await run('const a = 20;\na + 22');
    assert.equal(o.status, 'succeeded');
    assert.equal(o.result, 42);
    assert.equal(o.error, null);
    assert.ok(o.durationMs > 0);
  });

  test('export default is the result of a module', async () => {
    const o = await run('const x = { ok: true, list: [1, 2] };\nexport default x;');
    assert.equal(o.status, 'succeeded');
    assert.deepEqual(o.result, { ok: true, list: [1, 2] });
  });

  test('module syntax anywhere on a line makes the source a module', async () => {
    assert.equal((await run('let v = 2; export default v * 21;')).result, 42);
  });

  test('invalid options are refused before anything runs', async () => {
    await assert.rejects(() => run('1', { limits: { timeoutMs: Number.NaN } }), /INVALID_OPTIONS|timeoutMs/);
    await assert.rejects(() => run('1', { limits: { memoryMiB: 0 } }), /memoryMiB/);
    await assert.rejects(() => run('1', { host: { console: {} } }), /not allowed/);
  });

  test('a module without a default export yields null', async () => {
    assert.deepEqual((await run('export const x = 1;')).result, null);
  });

  test('undefined becomes null', async () => {
    const o = await run('undefined');
    assert.equal(o.status, 'succeeded');
    assert.equal(o.result, null);
  });

  test('top-level await in a script keeps the completion value', async () => {
    const o = await run('const v = await Promise.resolve(20);\nv + 1');
    assert.equal(o.status, 'succeeded');
    assert.equal(o.result, 21);
  });

  test('top-level await in a module', async () => {
    const o = await run('const v = await new Promise((r) => r(5));\nexport default v * 2;');
    assert.equal(o.result, 10);
  });

  test('a returned promise is awaited', async () => {
    const o = await run('async function main() { await null; return "done"; }\nmain()');
    assert.equal(o.status, 'succeeded');
    assert.equal(o.result, 'done');
  });

  test('a rejected promise fails the run', async () => {
    const o = await run('Promise.reject(new TypeError("nope"))');
    assert.equal(o.status, 'failed');
    assert.equal(o.error?.code, 'SCRIPT_ERROR');
  });

  test('a promise that can never settle fails instead of hanging', async () => {
    const o = await run('await new Promise(() => {})');
    assert.equal(o.status, 'failed');
    assert.equal(o.error?.code, 'SCRIPT_ERROR');
  });

  test('floating promise jobs still run before the run ends', async () => {
    const o = await run('Promise.resolve().then(() => console.log("later"));\n1');
    assert.equal(o.stdout, 'later\n');
  });

  test('non-serializable results fail with RESULT_NOT_SERIALIZABLE', async () => {
    for (const source of ['({ n: 1n })', '(() => 1)', 'const o = {}; o.o = o; o', '({ toJSON() { throw new Error("x") } })']) {
      const o = await run(source);
      assert.equal(o.status, 'failed', source);
      assert.equal(o.error?.code, 'RESULT_NOT_SERIALIZABLE', source);
      assert.equal(o.result, null);
    }
  });

  test('toJSON and getters of the result run in the guest', async () => {
    const o = await run('({ get a() { return 1 }, b: { toJSON() { return "B" } } })');
    assert.deepEqual(o.result, { a: 1, b: 'B' });
  });
});

describe('args', () => {
  test('args are visible and deeply frozen', async () => {
    const o = await run(
      `'use strict';
       const r = [args.name, args.nested.list[1], Object.isFrozen(args), Object.isFrozen(args.nested.list)];
       try { args.nested.list.push(3); r.push('mutated') } catch (e) { r.push(e.name) }
       r`,
      { args: { name: 'x', nested: { list: [1, 2] } } },
    );
    assert.deepEqual(o.result, ['x', 2, true, true, 'TypeError']);
  });
});

describe('console and log', () => {
  test('console writes lines to stdout, formatted roughly like Node', async () => {
    const o = await run(`console.log('a', 1, { b: [1, 'x'] }, null, undefined);
      console.error(new Uint8Array([1, 2]));
      console.info([1, [2, [3, [4]]]], new Map([[1, 2]]), true);
      const c = {}; c.self = c; console.warn(c);`);
    assert.equal(o.status, 'succeeded');
    assert.equal(
      o.stdout,
      "a 1 { b: [ 1, \"x\" ] } null undefined\nUint8Array(2) [ 1, 2 ]\n[ 1, [ 2, [ 3, [Array] ] ] ] Map(1) { 1 => 2 } true\n{ self: [Circular] }\n",
    );
  });

  test('log.* appends structured entries', async () => {
    const o = await run('log.info("hello", 1); log.warn({ a: 1 }); log.error("e"); log.debug("d");');
    assert.deepEqual(o.logs.map((l) => [l.level, l.msg]), [['info', 'hello 1'], ['warn', '{ a: 1 }'], ['error', 'e'], ['debug', 'd']]);
    for (const l of o.logs) assert.ok(!Number.isNaN(Date.parse(l.at)));
  });

  test('onOutput receives each kept chunk', async () => {
    const chunks: { stream: string; text: string }[] = [];
    await run('console.log("x"); log.info("y");', { onOutput: (c) => chunks.push(c) });
    assert.equal(chunks.length, 2);
    assert.deepEqual(chunks[0], { stream: 'stdout', text: 'x\n' });
    assert.equal(chunks[1]?.stream, 'log');
  });

  test('a throwing onOutput does not change the outcome', async () => {
    const o = await run('console.log("x"); 1', { onOutput: () => { throw new Error('listener bug'); } });
    assert.equal(o.status, 'succeeded');
    assert.equal(o.stdout, 'x\n');
  });
});

describe('errors', () => {
  test('an uncaught error fails with SCRIPT_ERROR and a location', async () => {
    const o = await run('function f() {\n  throw new TypeError("bad");\n}\nf();');
    assert.equal(o.status, 'failed');
    assert.equal(o.error?.code, 'SCRIPT_ERROR');
    assert.match(o.error?.message ?? '', /^TypeError: bad/);
    assert.match(o.error?.message ?? '', /main\.js:2/);
  });

  test('throwing a non-error value fails with SCRIPT_ERROR', async () => {
    assert.equal((await run('throw "boom"')).error?.code, 'SCRIPT_ERROR');
  });

  test('a syntax error fails with SCRIPT_SYNTAX and line:column', async () => {
    const o = await run('let a = 1;\nlet b = (;\n');
    assert.equal(o.status, 'failed');
    assert.equal(o.error?.code, 'SCRIPT_SYNTAX');
    assert.match(o.error?.message ?? '', /main\.js:2:\d+/);
  });

  test('a syntax error in a module is reported against the module', async () => {
    const o = await run('export default 1;\nconst = 2;');
    assert.equal(o.error?.code, 'SCRIPT_SYNTAX');
    assert.match(o.error?.message ?? '', /main\.js:2:\d+/);
  });

  test('a SyntaxError thrown at run time is a script error, not a syntax error', async () => {
    assert.equal((await run('JSON.parse("{")')).error?.code, 'SCRIPT_ERROR');
  });

  test('a failing prelude fails the run with PRELUDE_ERROR', async () => {
    assert.equal((await run('1', { prelude: 'throw new Error("sdk bug")' })).error?.code, 'PRELUDE_ERROR');
  });
});

describe('TypeScript', () => {
  test('types are stripped and the script runs', async () => {
    const o = await run(
      `interface Point { x: number; y: number }
       type Norm = (p: Point) => number;
       enum Kind { A = 1, B }
       const norm: Norm = (p: Point): number => Math.hypot(p.x, p.y);
       const n = norm({ x: 3, y: 4 } as Point) satisfies number;
       n + Kind.B + (args.k as number)`,
      { language: 'ts', filename: 'main.ts', args: { k: 10 } },
    );
    assert.equal(o.status, 'succeeded');
    assert.equal(o.result, 17);
  });

  test('export default and type-only imports work in TS', async () => {
    const o = await run("import type { Foo } from 'foo';\nconst v = 1 as unknown as Foo;\nexport default { v: v as number };", { language: 'ts', filename: 'main.ts' });
    assert.deepEqual(o.result, { v: 1 });
  });

  test('error locations point at the original TS lines', async () => {
    const o = await run("interface A {\n  a: string;\n}\n\n\nfunction f(x: A): never {\n  throw new Error('line 7');\n}\nf({ a: '' });", { language: 'ts', filename: 'main.ts' });
    assert.equal(o.error?.code, 'SCRIPT_ERROR');
    assert.match(o.error?.message ?? '', /main\.ts:7:/);
  });

  test('a TS syntax error fails with SCRIPT_SYNTAX and line:column', async () => {
    const o = await run('const ok = 1;\nconst x: number = (;', { language: 'ts', filename: 'main.ts' });
    assert.equal(o.error?.code, 'SCRIPT_SYNTAX');
    assert.match(o.error?.message ?? '', /main\.ts:2:\d+/);
  });
});
