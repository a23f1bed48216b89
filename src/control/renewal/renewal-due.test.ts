import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRenewalDue } from './renewal-due.js';

const DAY = 86_400_000;
const now = new Date('2030-06-01T00:00:00Z');
const served = (startDaysAgo: number, lifetimeDays: number): { notBefore: string; notAfter: string } => ({
  notBefore: new Date(now.getTime() - startDaysAgo * DAY).toISOString(),
  notAfter: new Date(now.getTime() + (lifetimeDays - startDaysAgo) * DAY).toISOString(),
});

test('due once less than half the lifetime remains, not before', () => {
  assert.equal(isRenewalDue(served(10, 90), now), false);
  assert.equal(isRenewalDue(served(44, 90), now), false);
  assert.equal(isRenewalDue(served(46, 90), now), true);
  // Expired already: certainly due (the agent is reachable only if it still serves it, e.g. skewed clocks).
  assert.equal(isRenewalDue(served(100, 90), now), true);
});

test('dates that cannot be read count as due (fail towards renewing)', () => {
  assert.equal(isRenewalDue({ notBefore: 'garbage', notAfter: served(0, 90).notAfter }, now), true);
  assert.equal(isRenewalDue({ notBefore: served(0, 90).notAfter, notAfter: served(0, 90).notBefore }, now), true);
});
