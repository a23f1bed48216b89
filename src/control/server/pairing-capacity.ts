import { WritError } from '../../core/errors.js';
import type { Registry } from '../registry/index.js';

/**
 * Agents reach the pairing route before any operator has looked, so undecided requests must not
 * pile up without end. Counted in the registry, so the bound holds for all control hosts sharing it.
 */
export const MAX_PENDING_PAIRINGS = 1000;

/**
 * PAIRING_BUSY when MAX_PENDING_PAIRINGS requests are pending and unexpired. The count and the
 * insert that follows are not one transaction: requests arriving together may pass the bound by
 * a few, which is fine for a bound that only keeps the table and the operator's list manageable.
 */
export async function checkPairingCapacity(registry: Pick<Registry, 'countPendingPairings'>, now: Date): Promise<void> {
  if ((await registry.countPendingPairings(now)) >= MAX_PENDING_PAIRINGS) {
    throw new WritError('PAIRING_BUSY', `${MAX_PENDING_PAIRINGS} pairing requests are waiting for a decision; try again later`);
  }
}
