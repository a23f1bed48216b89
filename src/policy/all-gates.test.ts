import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { AccessRequest, Decision, Gate } from '../sandbox/gate.js';
import { AllOfGates } from './all-gates.js';
import { CedarGate } from './cedar-gate.js';
import { ALICE, REX_QUICK_START, dirRequest, fileRequest, policy } from './testing.js';

class CountingGate implements Gate {
  calls = 0;
  readonly seen: AccessRequest[] = [];
  constructor(private readonly answer: () => Decision) {}
  authorize(request: AccessRequest): Decision {
    this.seen.push(request);
    this.calls++;
    return this.answer();
  }
}

test('bundle policy AND host ceiling: only what both permit is allowed', () => {
  const bundle = new CedarGate({ principal: ALICE, policy: policy(REX_QUICK_START) });
  // The host owner allows only reads and opens anywhere under /tmp.
  const ceiling = new CedarGate({
    principal: ALICE,
    policy: policy('permit(principal, action in [file_system::Action::"read", file_system::Action::"open"], resource in file_system::Dir::"/tmp");'),
  });
  const both = new AllOfGates([bundle, ceiling]);
  assert.equal(both.authorize(fileRequest('read', '/tmp/rex-hello-world')), 'allow');
  assert.equal(both.authorize(dirRequest('open', '/tmp')), 'allow');
  // Bundle allows, ceiling does not.
  assert.equal(both.authorize(fileRequest('write', '/tmp/rex-hello-world')), 'deny');
  // Ceiling allows, bundle does not.
  assert.equal(both.authorize(fileRequest('read', '/tmp/other')), 'deny');
  bundle.dispose();
  ceiling.dispose();
});

test('stops at the first deny, and a throwing or malformed gate denies', () => {
  const first = new CountingGate(() => 'deny');
  const second = new CountingGate(() => 'allow');
  assert.equal(new AllOfGates([first, second]).authorize(fileRequest('read', '/x')), 'deny');
  assert.equal(second.calls, 0);
  const allow = new CountingGate(() => 'allow');
  const request = fileRequest('read', '/x');
  assert.equal(new AllOfGates([allow, allow]).authorize(request), 'allow');
  assert.equal(allow.calls, 2);
  // Every gate judges the very same request.
  assert.deepEqual(allow.seen, [request, request]);
  const thrower = new CountingGate(() => {
    throw new Error('boom');
  });
  assert.equal(new AllOfGates([allow, thrower]).authorize(fileRequest('read', '/x')), 'deny');
  const malformed = new CountingGate(() => 'ALLOW' as Decision);
  assert.equal(new AllOfGates([malformed]).authorize(fileRequest('read', '/x')), 'deny');
});

test('an empty list is refused rather than allowing everything', () => {
  assert.throws(() => new AllOfGates([]), RangeError);
});
