import { WritError } from '../../core/errors.js';

/**
 * Input `writ exec` refuses to build a writ from. Codes: PROGRAM_INVALID (the program path),
 * ARGUMENT_INVALID (one of its arguments). The CLI reports both as OPTION_INVALID, naming the argument.
 */
export class ExecWritError extends WritError {}
