import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../core/errors.js';
import { POLICY_COMPLEXITY_LIMITS, findComplexityProblem } from './complexity.js';
import { PolicyError } from './errors.js';
import { validatePolicy } from './validate.js';

const when = (expr: string): string => `permit(principal, action, resource) when { ${expr} };`;

/** Each of these crashed cedar-wasm (and every later Cedar call in the process) before the guard. */
const HOSTILE: Record<string, string> = {
  parens: when(`${'('.repeat(1000)}true${')'.repeat(1000)}`),
  sets: when(`${'['.repeat(200)}1${']'.repeat(200)} == [1]`),
  ifs: when(`${'if true then '.repeat(700)}true${' else false'.repeat(700)}`),
  methods: when(`[1]${'.contains(1)'.repeat(300)}`),
  plus: when(`${Array(10_000).fill('1').join(' + ')} == 2`),
};

test('hostile nesting is POLICY_INVALID with a location, and Cedar keeps working afterwards', () => {
  for (const [name, text] of Object.entries(HOSTILE)) {
    assert.throws(
      () => validatePolicy({ path: 'bundle/policy.cedar', text }),
      (err: unknown) => hasCode(err, 'POLICY_INVALID') && err instanceof PolicyError && err.line === 1,
      name,
    );
  }
  // Had any of them reached cedar-wasm, this ordinary validation would now fail.
  assert.ok(validatePolicy({ path: 'ok.cedar', text: when('context has x || true') }));
});

test('ordinary policies are far inside the bounds, and strings and comments do not count', () => {
  const inList = when(`resource in [${Array.from({ length: 500 }, (_, i) => `file_system::Dir::"/d${i}.x((("`).join(', ')}]`);
  assert.equal(findComplexityProblem(inList), null);
  assert.equal(findComplexityProblem(`// ${'('.repeat(500)}\n${when('true')}`), null);
  assert.equal(findComplexityProblem(when(`"${'\\"('.repeat(200)}" == "x"`)), null);
  // The per-statement budgets reset at each `;`, so many policies in one file are fine.
  const many = Array.from({ length: 200 }, () => when(`${'('.repeat(60)}true${')'.repeat(60)}`)).join('\n');
  assert.equal(findComplexityProblem(many), null);
});

test('each bound triggers just past its limit', () => {
  // The `when { ... }` brace is one level already.
  const n = POLICY_COMPLEXITY_LIMITS.maxNesting - 1;
  assert.equal(findComplexityProblem(when(`${'('.repeat(n)}true${')'.repeat(n)}`)), null);
  assert.notEqual(findComplexityProblem(when(`${'('.repeat(n + 1)}true${')'.repeat(n + 1)}`)), null);
  const ops = POLICY_COMPLEXITY_LIMITS.maxOperators;
  assert.equal(findComplexityProblem(when(Array(ops + 1).fill('true').join(' && '))), null);
  assert.notEqual(findComplexityProblem(when(Array(ops + 2).fill('true').join(' && '))), null);
  // An identifier containing "if" (e.g. `modified`) is not an `if`.
  assert.equal(findComplexityProblem(when(`${'context.modified && '.repeat(60)}true`)), null);
});
