/** Agent certificate renewal over the live mTLS connection. */
export { isRenewalDue } from './renewal-due.js';
export { renewAgent } from './renew-agent.js';
export type { RenewalContext, RenewalOutcome } from './renew-agent.js';
export { DEFAULT_RENEWAL_CHECK_MS, RenewalSweep } from './renewal-sweep.js';
export type { RenewalSweepOptions, SweepReport } from './renewal-sweep.js';
