import type { RunView } from '../transport/index.js';
import { FINAL_STATES, type RunRecord } from './store/index.js';

/** The store's record as transports show it; the stored report JSON is parsed back once here. */
export function toRunView(r: RunRecord): RunView {
  return {
    id: r.id,
    writId: r.writId,
    signer: r.signer,
    transport: r.transport,
    state: r.state,
    done: FINAL_STATES.has(r.state),
    exitCode: r.exitCode,
    error: r.errorCode ? { code: r.errorCode, message: r.errorMessage ?? '' } : null,
    report: r.report === null ? null : (JSON.parse(r.report) as unknown),
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    outputBytes: r.outputBytes,
  };
}
