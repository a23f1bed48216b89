import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import type { PatternElem } from './ast.js';
import { compileLike } from './like.js';

/** Reference: the pattern as an anchored regular expression over code points (slow, obviously right). */
function reference(pattern: readonly PatternElem[], s: string): boolean {
  const body = pattern.map((p) => (p.kind === 'wildcard' ? '.*' : Array.from(p.text).map((c) => c.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&')).join(''))).join('');
  return new RegExp(`^${body}$`, 'su').test(s);
}

const lit = (text: string): PatternElem => ({ kind: 'literal', text });
const star: PatternElem = { kind: 'wildcard' };

test('like: fixed cases', () => {
  const cases: [PatternElem[], string, boolean][] = [
    [[], '', true],
    [[], 'a', false],
    [[star], '', true],
    [[star], 'anything', true],
    [[lit('a'), star, lit('a')], 'a', false],
    [[lit('a'), star, lit('a')], 'aa', true],
    [[lit('ab'), star, lit('ba')], 'aba', false],
    [[lit('*')], '*', true],
    [[lit('*')], 'x', false],
    [[star, lit('é'), star, lit('🙂')], 'xxé🙂', true],
    [[star, lit('🙂')], '🙂🙂', true],
    [[lit('a'), star, lit('b'), star, lit('b'), star, lit('c')], 'abbc', true],
    [[lit('a'), star, lit('b'), star, lit('b'), star, lit('c')], 'abc', false],
  ];
  for (const [p, s, want] of cases) assert.equal(compileLike(p)(s), want, `${JSON.stringify(p)} ${s}`);
});

test('like: agrees with an anchored regular expression on random patterns and strings', () => {
  const ch = fc.constantFrom('a', 'b', '*', 'é', '🙂', '\\', '\n');
  const elem = fc.oneof(fc.constant(star), fc.string({ unit: ch, minLength: 1, maxLength: 3 }).map(lit));
  fc.assert(
    fc.property(fc.array(elem, { maxLength: 6 }), fc.string({ unit: ch, maxLength: 10 }), (p, s) => {
      assert.equal(compileLike(p)(s), reference(p, s));
    }),
    { numRuns: 5000 },
  );
});
