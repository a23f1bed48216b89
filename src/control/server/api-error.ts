import { WritError } from '../../core/errors.js';

/** The JSON in an answer's text, or undefined when it is not JSON. */
export function jsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The control host's `{ error: { code, message } }` as a WritError with the same code (HTTP_<status> when it names none). */
export function apiError(status: number, body: unknown): WritError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null | undefined)?.error;
  const code = typeof error?.code === 'string' ? error.code : `HTTP_${status}`;
  const message = typeof error?.message === 'string' ? error.message : `the control host answered HTTP ${status}`;
  return new WritError(code, message);
}
