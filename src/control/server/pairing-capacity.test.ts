import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../../core/errors.js';
import { MAX_PENDING_PAIRINGS, checkPairingCapacity } from './pairing-capacity.js';

test('undecided requests are bounded: PAIRING_BUSY once the registry holds the maximum, room below it', async () => {
  const now = new Date('2030-01-01T00:00:00Z');
  const holding = (count: number): { countPendingPairings: (at: Date) => Promise<number> } => ({
    countPendingPairings: (at) => {
      assert.equal(at, now, 'counted at the request time: expired requests do not count');
      return Promise.resolve(count);
    },
  });
  await checkPairingCapacity(holding(MAX_PENDING_PAIRINGS - 1), now);
  await assert.rejects(checkPairingCapacity(holding(MAX_PENDING_PAIRINGS), now), (err) => hasCode(err, 'PAIRING_BUSY'));
});
