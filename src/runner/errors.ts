import { WritError } from '../core/errors.js';

/**
 * The run could not start because an input was unusable (script file, args file, flags). Codes:
 * SCRIPT_NOT_FOUND, ARGS_INVALID, OPTION_INVALID, LANGUAGE_UNSUPPORTED.
 */
export class RunInputError extends WritError {}
