import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StabilityTracker } from './stability.js';

const scan = (entries: Record<string, string>): Map<string, string> => new Map(Object.entries(entries));

test('stability: complete only when a later scan, quietMs on, sees the same fingerprint', () => {
  const tracker = new StabilityTracker(100);
  assert.deepEqual(tracker.observe(scan({ 'a.writ': '1:1:10:5' }), 0), []);
  assert.deepEqual(tracker.observe(scan({ 'a.writ': '1:1:10:5' }), 40), [], 'too soon: a hint-driven scan does not shorten the wait');
  assert.deepEqual(tracker.observe(scan({ 'a.writ': '1:1:20:6' }), 100), [], 'grew: starts over');
  assert.deepEqual(tracker.observe(scan({ 'a.writ': '1:1:20:6' }), 199), []);
  assert.deepEqual(tracker.observe(scan({ 'a.writ': '1:1:20:6' }), 200), ['a.writ']);
});

test('stability: a file that leaves and comes back, or is forgotten, starts over', () => {
  const tracker = new StabilityTracker(10);
  tracker.observe(scan({ 'a.writ': 'x', 'b.writ': 'y' }), 0);
  tracker.observe(scan({ 'b.writ': 'y' }), 10);
  tracker.forget('b.writ');
  assert.deepEqual(tracker.observe(scan({ 'a.writ': 'x', 'b.writ': 'y' }), 20), []);
  assert.deepEqual(tracker.observe(scan({ 'a.writ': 'x', 'b.writ': 'y' }), 30).sort(), ['a.writ', 'b.writ']);
});
