export { checkFanOutOptions, fanOut, overallExitCode } from './fan-out.js';
export type { FanOutOptions, HostOutcome, HostResult, HostStatus, HostTask } from './fan-out.js';
export { progressLine, summaryTable } from './summary.js';
export { resolveTargets } from './targets.js';
