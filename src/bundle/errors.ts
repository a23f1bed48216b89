import { WritError } from '../core/errors.js';

/**
 * Why a writ was refused. Every code maps to exit code 4 (`rejected`); tests and machine consumers
 * rely on the codes, people read the messages.
 */
export type BundleErrorCode =
  | 'SIGNATURE_INVALID'
  | 'UNTRUSTED_SIGNER'
  | 'REVOKED'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'WRONG_AUDIENCE'
  | 'REPLAYED'
  | 'MALFORMED'
  | 'TOO_LARGE'
  | 'UNSAFE_PATH'
  | 'LANGUAGE_UNSUPPORTED';

export class BundleError extends WritError {
  declare readonly code: BundleErrorCode;

  // Not useless: it narrows the accepted codes to BundleErrorCode at every throw site.
  // eslint-disable-next-line @typescript-eslint/no-useless-constructor
  constructor(code: BundleErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A trust, key or revocation file the operator gave is unusable (exit 2, naming the file). */
export class TrustConfigError extends WritError {}
