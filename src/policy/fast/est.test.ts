import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { MAX_EXPR_DEPTH, parseEst } from './est.js';

/** The EST of a policy text, as cedar-wasm gives it. */
function est(text: string): unknown {
  const answer = cedar.policyToJson(text);
  assert.equal(answer.type, 'success');
  return answer.type === 'success' ? answer.json : null;
}

test('EST: every construct of the subset is read', () => {
  const r = parseEst(
    est(`@id("a") forbid(principal is User in User::"x", action in [file_system::Action::"read", file_system::Action::"SafeIO"], resource is file_system::File in file_system::Dir::"/")
when { (if resource has path then resource.path like "a*\\*" else false) && !(resource in [file_system::Dir::"/x"]) || ["a", "b"].contains(resource.path) }
unless { resource is file_system::Dir in principal || 1 != -2 || principal == action };`),
  );
  assert.ok(r.ok, r.ok ? '' : r.reason);
  assert.deepEqual(r.policy.principal, { op: 'is', entityType: 'User', in: { type: 'User', id: 'x' } });
  assert.equal(r.policy.action.op, 'in');
  assert.equal(r.policy.conditions.length, 2);
});

test('EST: anything outside the subset is refused, with a reason', () => {
  const outside: [string, RegExp][] = [
    ['permit(principal, action, resource) when { context has x };', /variable context/],
    ['permit(principal, action, resource) when { 1 < 2 };', /unsupported expression kind </],
    ['permit(principal, action, resource) when { 1 + 2 == 3 };', /kind \+/],
    ['permit(principal, action, resource) when { ip("1.2.3.4").isIpv4() };', /kind isIpv4/],
    ['permit(principal, action, resource) when { [1].containsAll([1]) };', /containsAll/],
    ['permit(principal, action, resource) when { resource has a.b };', /not a string/],
    ['permit(principal, action, resource) when { {a: 1} has a };', /Record/],
    ['permit(principal, action, resource) when { [principal].contains(resource) };', /only literals/],
    ['permit(principal, action, resource) when { 9223372036854775807 == 1 };', /exact JS range/],
    ['permit(principal, action, resource) when { resource.hasTag("a") };', /hasTag/],
  ];
  for (const [text, why] of outside) {
    const r = parseEst(est(text));
    assert.ok(!r.ok && why.test(r.reason), `${text}: ${r.ok ? 'accepted' : r.reason}`);
  }
});

test('EST: unknown keys, malformed nodes and too-deep nesting are refused, never guessed', () => {
  const base = est('permit(principal, action, resource) when { true };') as Record<string, unknown>;
  const bad: unknown[] = [
    null,
    { ...base, effect: 'maybe' },
    { ...base, extra: 1 },
    { ...base, principal: { op: '==', slot: '?principal' } },
    { ...base, conditions: [{ kind: 'when', body: { Value: true, Var: 'principal' } }] },
    { ...base, conditions: [{ kind: 'when', body: { Value: { __extn: { fn: 'ip', arg: '1.2.3.4' } } } }] },
    { ...base, conditions: [{ kind: 'when', body: { Value: 1.5 } }] },
    { ...base, conditions: [{ kind: 'when', body: { like: { left: { Value: 'a' }, pattern: ['Wildcard', { Other: 'x' }] } } }] },
    { ...base, conditions: [{ kind: 'sometimes', body: { Value: true } }] },
  ];
  for (const b of bad) assert.equal(parseEst(b).ok, false, JSON.stringify(b));
  let deep: unknown = { Value: true };
  for (let i = 0; i <= MAX_EXPR_DEPTH + 1; i++) deep = { '!': { arg: deep } };
  assert.equal(parseEst({ ...base, conditions: [{ kind: 'when', body: deep }] }).ok, false);
});
