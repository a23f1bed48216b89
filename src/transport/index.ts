export type { Submission, RunStateName, RunView, LogSlice, RunEvent, SubmitResult, RunService, Transport } from './port.js';
export { RunCursor } from './run-cursor.js';
