import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import fc from 'fast-check';
import { toCedarRequest } from '../cedar-json.js';
import { cedarEntity, cedarString } from '../cedar-text.js';
import { WRIT_SCHEMA, WRIT_SCHEMA_ID } from '../schema.js';
import { compilePolicies } from './fast-path.js';
import { DIR, DIRS, FILE, FILES, MUTATIONS, STRINGS, URLS, buildRequest, type RequestSpec } from './testing.js';

/**
 * Differential test of the evaluator's semantics on policies that do NOT pass strict validation:
 * ill-typed expressions (`1 && true`, `"a" in resource`, `resource.path.path`, `[1].contains(x)`),
 * so every type-error path, short-circuit and `==` across kinds is compared with Cedar itself.
 * Gates never see such policies (they validate first), which is why this compares FastPath with
 * cedar-wasm directly, using the gate's rule: any evaluation error or refusal denies.
 */

const ALICE = { type: 'User', id: 'alice' };
const PRINCIPAL_ENTITY = { uid: ALICE, attrs: {}, parents: [] };
const RUNS = 1000;
const REQUESTS_PER_SET = 12;

const ent = (type: string, id: string): string => cedarEntity({ type, id });
const literal = fc.oneof(
  fc.constantFrom('true', 'false', '0', '1', '-7', '""', '"a"'),
  fc.constantFrom(...STRINGS).map(cedarString),
  fc.constantFrom(...DIRS).map((d) => ent(DIR, d)),
  fc.constantFrom(...FILES).map((f) => ent(FILE, f)),
  fc.constantFrom(...URLS).map((u) => ent('network::url', u)),
  fc.constantFrom('User::"alice"', 'User::"bob"', 'file_system::Action::"read"', 'file_system::Action::"SafeIO"', 'network::Action::"GET"'),
);
const setLit = fc.array(literal, { maxLength: 3 }).map((ls) => `[${ls.join(', ')}]`);
const variable = fc.constantFrom('principal', 'action', 'resource');
const attr = fc.constantFrom('path', 'url', 'name', 'nope', '__proto__', 'toString');
const type = fc.constantFrom(FILE, DIR, 'network::url', 'User', 'file_system::Action');
const pattern = fc.array(fc.constantFrom('*', 'a', '/', 'tmp', 'é', '\\*', 'x'), { maxLength: 5 }).map((ps) => `"${ps.join('')}"`);

const { expr } = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: fc.oneof(literal, variable), weight: 4 },
    // Well-typed Bools too, so that conditions also hold and deny/allow outcomes are compared.
    { arbitrary: fc.oneof(fc.constantFrom(...DIRS).map((d) => `resource in ${ent(DIR, d)}`), fc.constantFrom('true', 'resource has path', 'principal == User::"alice"'), pattern.map((p) => `resource.path like ${p}`)), weight: 4 },
    { arbitrary: setLit, weight: 1 },
    { arbitrary: fc.tuple(fc.constantFrom('&&', '||', '==', '!=', 'in'), tie('expr'), tie('expr')).map(([op, a, b]) => `((${a}) ${op} (${b}))`), weight: 4 },
    { arbitrary: tie('expr').map((a) => `!(${a})`), weight: 1 },
    { arbitrary: fc.tuple(tie('expr'), tie('expr'), tie('expr')).map(([c, a, b]) => `(if ${c} then ${a} else ${b})`), weight: 1 },
    { arbitrary: fc.tuple(setLit, tie('expr')).map(([s, a]) => `${s}.contains(${a})`), weight: 1 },
    { arbitrary: fc.tuple(tie('expr'), pattern).map(([a, p]) => `((${a}) like ${p})`), weight: 1 },
    { arbitrary: fc.tuple(tie('expr'), attr).map(([a, n]) => `((${a}) has ${n})`), weight: 1 },
    { arbitrary: fc.tuple(tie('expr'), attr).map(([a, n]) => `(${a}).${n}`), weight: 2 },
    { arbitrary: fc.tuple(tie('expr'), type).map(([a, t]) => `((${a}) is ${t})`), weight: 1 },
    { arbitrary: fc.tuple(tie('expr'), type, tie('expr')).map(([a, t, b]) => `((${a}) is ${t} in (${b}))`), weight: 1 },
  ),
}));
const policy = fc
  .tuple(fc.constantFrom('permit', 'permit', 'forbid'), fc.constantFrom('', 'resource in file_system::Dir::"/tmp"', 'resource is file_system::File'), fc.array(fc.tuple(fc.constantFrom('when', 'unless'), expr), { minLength: 1, maxLength: 1 }))
  .map(([effect, r, conds]) => `${effect}(principal, action, ${r === '' ? 'resource' : r})${conds.map(([k, b]) => ` ${k} { ${b} }`).join('')};`);

const specs: RequestSpec[] = [
  ...FILES.map((id) => ({ kind: 'file' as const, action: 5, id })),
  ...DIRS.map((id) => ({ kind: 'dir' as const, action: 0, id })),
  ...URLS.map((id) => ({ kind: 'url' as const, action: 0, id })),
  { kind: 'file', action: 0, id: '/tmp/a', attr: 'x*y' },
];
// Only mutations Cedar accepts, plus a few it refuses: refusals are left to Cedar by the fast path.
const request = fc.tuple(fc.constantFrom(...specs), fc.nat(8), fc.nat()).map(([s, m, pick]) => MUTATIONS[m]![1](buildRequest(s), pick));

/** One preparsed slot, overwritten by every run (the gate's ids are named differently). */
const SET_ID = 'writ-untyped-differential';

test(`untyped differential: evaluator semantics == Cedar on ${RUNS} ill-typed policy sets`, (t) => {
  assert.equal(cedar.preparseSchema(WRIT_SCHEMA_ID, WRIT_SCHEMA).type, 'success');
  const tally = { compared: 0, errors: 0, allow: 0, unparsed: 0, fallback: 0 };
  fc.assert(
    fc.property(fc.array(policy, { minLength: 1, maxLength: 3 }), fc.array(request, { minLength: REQUESTS_PER_SET, maxLength: REQUESTS_PER_SET }), (texts, requests) => {
      const policies = Object.fromEntries(texts.map((p, i) => [`policy${i}`, p]));
      const id = SET_ID;
      if (cedar.preparsePolicySet(id, { staticPolicies: policies }).type !== 'success') {
        tally.unparsed++;
        return;
      }
      try {
        const compiled = compilePolicies(policies);
        assert.ok(compiled.ok, compiled.ok ? '' : compiled.reason);
        for (const r of requests) {
          const call = toCedarRequest(r);
          const fast = compiled.fastPath.decide(ALICE, call);
          if (fast === null) {
            tally.fallback++;
            continue;
          }
          const answer = cedar.statefulIsAuthorized({ principal: ALICE, ...call, entities: [PRINCIPAL_ENTITY, ...call.entities], preparsedSchemaName: WRIT_SCHEMA_ID, preparsedPolicySetId: id, validateRequest: true });
          assert.equal(answer.type, 'success', `Cedar refused a request the fast path accepted: ${JSON.stringify(r)}`);
          if (answer.type !== 'success') return;
          const errored = answer.response.diagnostics.errors.map((e) => e.policyId).sort();
          const want = errored.length === 0 && answer.response.decision === 'allow' ? 'allow' : 'deny';
          const where: string = `\n${texts.join('\n')}\nrequest: ${JSON.stringify(r)}\ncedar: ${JSON.stringify(answer.response)}\nfast: ${JSON.stringify(fast)}`;
          assert.equal(fast.decision, want, `decision differs${where}`);
          assert.deepEqual(fast.errors.map((e) => e.split(':')[0]).sort(), errored, `erroring policies differ${where}`);
          tally.compared++;
          if (errored.length > 0) tally.errors++;
          if (want === 'allow') tally.allow++;
        }
      } finally {
        cedar.preparsePolicySet(id, { staticPolicies: {} });
      }
    }),
    { numRuns: RUNS },
  );
  t.diagnostic(JSON.stringify(tally));
  assert.ok(tally.compared > RUNS * REQUESTS_PER_SET * 0.5, `compared only ${tally.compared}`);
  assert.ok(tally.errors > tally.compared * 0.1 && tally.allow > tally.compared * 0.03, JSON.stringify(tally));
});
