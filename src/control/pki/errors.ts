import { WritError } from '../../core/errors.js';

/**
 * Why the control host's certificate authority refused to act. The CLI maps CA_EXISTS and
 * OPTION_INVALID to exit code 2 like every WritError; tests and machine consumers rely on the codes.
 */
export type PkiErrorCode =
  | 'CA_EXISTS'
  | 'CA_NOT_FOUND'
  | 'CA_INVALID'
  | 'CA_EXPIRED'
  | 'CA_NOT_YET_VALID'
  | 'CSR_INVALID'
  | 'SERIAL_EXHAUSTED'
  | 'ISSUE_FAILED'
  | 'OPTION_INVALID';

export class PkiError extends WritError {
  declare readonly code: PkiErrorCode;

  // Not useless: it narrows the accepted codes to PkiErrorCode at every throw site.
  // eslint-disable-next-line @typescript-eslint/no-useless-constructor
  constructor(code: PkiErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
