/**
 * Base of every error writ raises on purpose. `code` is a stable string that tests, exit-code mapping
 * and machine consumers rely on; messages are for people and may change.
 */
export class WritError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Raised when caller-supplied options or files are unusable (maps to exit code 2 at the CLI). */
export class UsageError extends WritError {}

/** True when `err` is a WritError carrying the given code. */
export function hasCode(err: unknown, code: string): boolean {
  return err instanceof WritError && err.code === code;
}

/** Best-effort message from an unknown thrown value, for error reports. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
