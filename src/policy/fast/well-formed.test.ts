import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { AccessRequest } from '../../sandbox/gate.js';
import { CedarGate, type GateProblem } from '../cedar-gate.js';
import { toCedarRequest } from '../cedar-json.js';
import { ALICE, executeRequest, fileRequest, policy } from '../testing.js';
import { hasLoneSurrogate } from './well-formed.js';

test('hasLoneSurrogate finds one anywhere in a request, and accepts paired surrogates', () => {
  const ok = fileRequest('read', '/tmp/🙂');
  assert.equal(hasLoneSurrogate(ALICE, toCedarRequest(ok)), false);
  assert.equal(hasLoneSurrogate(ALICE, toCedarRequest(executeRequest('/bin/🙂'))), false);
  const [file, ...rest] = ok.entities;
  const bad: AccessRequest[] = [
    { ...ok, resource: { ...ok.resource, id: '/tmp/\uD83D' } },
    { ...ok, action: { ...ok.action, id: 'read\uDE00' } },
    { ...ok, entities: [{ ...file!, attrs: { path: 'x\uDC00' } }, ...rest] },
    { ...ok, entities: [{ ...file!, parents: [{ type: 'file_system::Dir', id: '\uD800' }] }, ...rest] },
    { ...ok, entities: [{ ...file!, tags: { ['\uD800']: 'x' } }, ...rest] },
    { ...ok, context: { list: ['a', '\uDFFF'] } },
    { ...ok, context: { nested: { ['k\uD800']: 1 } } },
  ];
  for (const [i, r] of bad.entries()) assert.equal(hasLoneSurrogate(ALICE, toCedarRequest(r)), true, `variant ${i}`);
  assert.equal(hasLoneSurrogate({ type: 'User', id: '\uD800' }, toCedarRequest(ok)), true);
});

// Without the gate's check, cedar-wasm throws on each of these and breaks after ~1,500 of them:
// every later call in the process then fails with "memory access out of bounds" (and so denies).
test('many lone-surrogate requests neither reach nor break Cedar', () => {
  const problems: GateProblem[] = [];
  const g = new CedarGate({ principal: ALICE, policy: policy('permit(principal, action, resource);'), fastPath: false, cacheSize: 0, onProblem: (p) => problems.push(p) });
  const bad = fileRequest('read', '/tmp/a\uD800');
  for (let i = 0; i < 2000; i++) assert.equal(g.authorize(bad), 'deny');
  assert.equal(g.stats().cedarCalls, 0);
  assert.equal(problems.length, 2000);
  assert.equal(problems[0]?.kind, 'exception');
  assert.equal(g.authorize(fileRequest('read', '/tmp/a')), 'allow');
  g.dispose();
});
