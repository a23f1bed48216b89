/** A worker-side failure with a stable code; crosses back to the caller as SdkError(code). */
export class OpFailure extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = 'OpFailure';
  }
}
