import { LimitExceededError } from './errors.js';

/**
 * Counts host operations against --max-ops. One SDK call costs one; recursive operations (rm -r, cp -r,
 * glob) also pay for every entry they touch, so a single call cannot do unbounded host work.
 */
export class OperationBudget {
  #used = 0;
  readonly max: number;

  constructor(max: number) {
    this.max = max;
  }

  get used(): number {
    return this.#used;
  }

  /** Throws LimitExceededError(OPS_LIMIT) once the budget is exceeded; fails closed for every later call. */
  spend(count = 1): void {
    this.#used += count;
    if (this.#used > this.max) {
      throw new LimitExceededError('OPS_LIMIT', `operation limit of ${this.max} host operations exceeded`);
    }
  }
}
