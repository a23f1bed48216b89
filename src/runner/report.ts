import type { JsonValue } from '../core/json.js';
import type { LogEntry, RunErrorInfo, RunStatus } from '../sandbox/index.js';
import type { DecisionRecord } from './recording-gate.js';

/** The runner's output contract (DESIGN.md "Runner output"); `truncated` and `learnedPolicy` are additions. */
export interface RunReport {
  readonly status: RunStatus;
  readonly result: JsonValue;
  readonly error: RunErrorInfo | null;
  readonly stdout: string;
  readonly logs: readonly LogEntry[];
  readonly decisions: readonly DecisionRecord[];
  readonly metrics: { readonly durationMs: number; readonly operations: number };
  readonly truncated: boolean;
  readonly learnedPolicy?: string;
}

/** Exit codes fixed by DESIGN.md. */
export const EXIT_CODES: Readonly<Record<RunStatus, number>> = {
  succeeded: 0,
  failed: 1,
  denied: 3,
  rejected: 4,
  timeout: 5,
  limit: 5,
};
export const EXIT_USAGE = 2;

/** A report for a run that never started (policy invalid, bundle not trusted). */
export function rejectedReport(code: string, message: string): RunReport {
  return {
    status: 'rejected',
    result: null,
    error: { code, message },
    stdout: '',
    logs: [],
    decisions: [],
    metrics: { durationMs: 0, operations: 0 },
    truncated: false,
  };
}
