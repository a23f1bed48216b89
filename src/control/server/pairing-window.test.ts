import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PairingWindow } from './pairing-window.js';

test('pairing mode closes by itself at the end of its window, and at once when closed', () => {
  const window = new PairingWindow();
  const now = new Date('2030-01-01T00:00:00Z');
  assert.equal(window.isOpen(now), false);
  assert.deepEqual(window.open(2, now), { enabled: true, until: '2030-01-01T00:02:00.000Z' });
  assert.equal(window.isOpen(new Date(now.getTime() + 119_999)), true);
  assert.equal(window.isOpen(new Date(now.getTime() + 120_000)), false);
  assert.deepEqual(window.state(new Date(now.getTime() + 120_000)), { enabled: false, until: null });
  window.open(2, now);
  assert.deepEqual(window.close(), { enabled: false, until: null });
  assert.equal(window.isOpen(now), false);
});
