import { monotonicMs } from '../../../core/clock.js';
import { LimitExceededError } from '../../errors.js';
import type { SdkContext } from '../context.js';

/**
 * Host work the guest's interrupt handler cannot stop (a long copy, a big tree walk) checks the run's
 * deadline itself, so a single call cannot outlive the run's timeout.
 */
export function checkDeadline(ctx: SdkContext): void {
  if (monotonicMs() > ctx.deadline) {
    throw new LimitExceededError('TIMEOUT', 'the run deadline passed during a file system operation');
  }
}
