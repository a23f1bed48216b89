import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { HostValue } from '../host-api.js';
import { ARG_LIMITS, decodeArgs, encodeResult, HostValueError, INLINE_STRING_MAX, MarshalError } from './marshal.js';
import { OutputSink, utf8Prefix } from './output.js';
import { maximumPages } from './run.js';
import { LineMap } from './source-map.js';

describe('marshal', () => {
  test('decodes every tag', () => {
    const bytes = new Uint8Array([1]);
    const values = decodeArgs(
      '["a","s",1,true,null,["u"],["n","NaN"],["n","-0"],["n","-Infinity"],["a",1,["o","k","v"]],["b",0],["s",1]]',
      [bytes, 'long'],
    );
    assert.equal(values.length, 11);
    assert.ok(Number.isNaN(values[5]));
    assert.ok(Object.is(values[6], -0));
    assert.equal(values[7], Number.NEGATIVE_INFINITY);
    assert.deepEqual(values[8], [1, { k: 'v' }]);
    assert.equal(values[9], bytes);
    assert.equal(values[10], 'long');
  });

  test('rejects malformed or oversized input', () => {
    const bad: [string, (string | Uint8Array)[]][] = [
      ['not json', []],
      ['{"a":1}', []],
      ['["x"]', []],
      ['["a",["b",0]]', ['a string, not bytes']],
      ['["a",["s",0]]', [new Uint8Array(1)]],
      ['["a",["b",5]]', []],
      ['["a",["o","k"]]', []],
      ['["a",["n","1"]]', []],
      [`${'["a",'.repeat(ARG_LIMITS.maxDepth + 5)}1${']'.repeat(ARG_LIMITS.maxDepth + 5)}`, []],
      [`["a"${',1'.repeat(ARG_LIMITS.maxNodes + 1)}]`, []],
    ];
    for (const [text, extras] of bad) assert.throws(() => decodeArgs(text, extras), MarshalError, text.slice(0, 40));
    assert.throws(() => decodeArgs('"'.padEnd(ARG_LIMITS.maxTextLength + 1, 'x'), []), MarshalError);
  });

  test('encodes primitives directly, plain structures as JSON, the rest tagged with extras', () => {
    assert.deepEqual(encodeResult('s'), { kind: 'primitive', value: 's' });
    assert.deepEqual(encodeResult(undefined), { kind: 'primitive', value: undefined });
    assert.deepEqual(encodeResult({ a: [1, 'x'] }), { kind: 'structured', text: 'p{"a":[1,"x"]}', extras: [] });
    const long = 'y'.repeat(INLINE_STRING_MAX + 1);
    const bytes = new Uint8Array([9]);
    const tagged = encodeResult({ body: long, raw: bytes, missing: undefined, n: Number.NaN });
    assert.equal(tagged.kind, 'structured');
    if (tagged.kind !== 'structured') return;
    assert.equal(tagged.text, 't["o","body",["s",0],"raw",["b",1],"missing",["u"],"n",["n","NaN"]]');
    assert.deepEqual(tagged.extras, [long, bytes]);
  });

  test('refuses host values that are not plain data', () => {
    const cyclic: Record<string, HostValue> = {};
    (cyclic as Record<string, unknown>).self = cyclic;
    for (const v of [new Date(), new Map(), cyclic, [() => 1]]) {
      assert.throws(() => encodeResult(v as unknown as HostValue), HostValueError);
    }
  });
});

describe('output sink', () => {
  test('cuts at the byte budget without splitting characters', () => {
    assert.equal(utf8Prefix('aé€😀', 1), 'a');
    assert.equal(utf8Prefix('aé€😀', 2), 'a');
    assert.equal(utf8Prefix('aé€😀', 3), 'aé');
    assert.equal(utf8Prefix('aé€😀', 6), 'aé€');
    assert.equal(utf8Prefix('aé€😀', 9), 'aé€');
    assert.equal(utf8Prefix('aé€😀', 10), 'aé€😀');
  });

  test('keeps exactly the first maxBytes and reports truncation', () => {
    const chunks: string[] = [];
    const sink = new OutputSink(10, (c) => chunks.push(c.text));
    assert.equal(sink.writeStdout('123456'), true);
    assert.equal(sink.writeStdout('7890abc'), false);
    assert.equal(sink.writeStdout('more'), false);
    assert.equal(sink.stdout, '1234567890');
    assert.equal(sink.truncated, true);
    assert.deepEqual(chunks, ['123456', '7890']);
    assert.equal(sink.writeLog('info', 'x'), false);
    assert.equal(sink.logs.length, 0);
  });

  test('the result reservation shares the budget', () => {
    const sink = new OutputSink(5, undefined);
    sink.writeStdout('abc');
    assert.equal(sink.reserve(2), true);
    assert.equal(sink.reserve(1), false);
    assert.equal(sink.truncated, true);
  });
});

describe('source map', () => {
  test('maps generated positions back to original lines', () => {
    // Generated line 1 <- original line 6; generated line 2 <- original line 9 (columns 0 -> 0, 6 -> 4).
    const map = LineMap.parse(JSON.stringify({ version: 3, sources: ['x.ts'], mappings: 'AAKA;AAGA,MAAI' }));
    assert.ok(map);
    assert.deepEqual(map.original(1, 1), { line: 6, column: 1 });
    assert.deepEqual(map.original(2, 7), { line: 9, column: 5 });
    assert.equal(map.original(7, 1), undefined);
    assert.equal(LineMap.parse('{"mappings": "!!"}'), undefined);
    assert.equal(LineMap.parse('not json'), undefined);
  });
});

describe('memory sizing', () => {
  test('the WASM cap follows memoryMiB and respects the module minimum', () => {
    assert.equal(maximumPages(1), 256);
    assert.equal(maximumPages(64), 96 + 64 * 16);
    assert.equal(maximumPages(100_000), 32768);
  });
});
