// Public face of src/cli/exec: builds the writ `writ exec` sends (one program, no shell).
export { buildExecWrit, checkProgramPath } from './exec-writ.js';
export type { ExecWrit, ExecWritRequest } from './exec-writ.js';
export { ExecWritError } from './errors.js';
export { EXEC_ENTRY_NAME } from './entry-script.js';
