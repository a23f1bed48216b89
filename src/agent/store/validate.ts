import { FINAL_STATES, RUN_STATES, type FinishState, type NewRun, type OutputStream, type RunState } from './run-record.js';

/**
 * Argument checks at the store's boundary. A bad argument is a caller bug, so it is a TypeError or
 * RangeError (not a RunStoreError, which callers handle as an expected outcome).
 */

export const MAX_ID_LENGTH = 128;
/** Metadata strings (signer, digest, writ id, transport, error texts) are bounded so a row stays small. */
const MAX_META_LENGTH = 1024;
const MAX_ERROR_MESSAGE_LENGTH = 64 * 1024;

export function isRunId(id: unknown): id is string {
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_ID_LENGTH;
}

export function checkRunId(id: unknown, what = 'run id'): string {
  if (typeof id !== 'string') throw new TypeError(`${what} must be a string`);
  if (!isRunId(id)) throw new TypeError(`${what} must be 1 to ${MAX_ID_LENGTH} characters`);
  return id;
}

export function checkOffset(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw new RangeError(`${what} must be a non-negative safe integer`);
  return value;
}

export function checkPositive(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw new RangeError(`${what} must be a positive safe integer`);
  return value;
}

export function checkNonNegativeNumber(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new RangeError(`${what} must be a finite number ≥ 0`);
  return value;
}

export function checkStream(stream: unknown): OutputStream {
  if (stream !== 'stdout' && stream !== 'log') throw new TypeError("stream must be 'stdout' or 'log'");
  return stream;
}

export function checkState(state: unknown): RunState {
  if (typeof state !== 'string' || !(RUN_STATES as readonly string[]).includes(state)) throw new TypeError(`unknown run state ${String(state)}`);
  return state as RunState;
}

export function checkFinishState(state: unknown): FinishState {
  const s = checkState(state);
  if (!FINAL_STATES.has(s) || s === 'rejected') throw new TypeError(`finish cannot set state ${s}`);
  return s as FinishState;
}

export function optionalText(value: unknown, what: string, max = MAX_META_LENGTH): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw new TypeError(`${what} must be a string or null`);
  if (value.length > max) throw new RangeError(`${what} is longer than ${max} characters`);
  return value;
}

export function requiredText(value: unknown, what: string, max = MAX_META_LENGTH): string {
  const text = optionalText(value, what, max);
  if (text === null || text === '') throw new TypeError(`${what} must be a non-empty string`);
  return text;
}

export function errorMessageText(value: unknown): string | null {
  return optionalText(value, 'errorMessage', MAX_ERROR_MESSAGE_LENGTH);
}

/** The report is the run's verbatim JSON result; only its type is checked, never its size or shape. */
export function reportText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw new TypeError('report must be a JSON string or null');
  return value;
}

export function checkExitCode(value: unknown): number | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new TypeError('exitCode must be an integer or null');
  return value;
}

export function checkNewRun(run: NewRun): NewRun {
  if (typeof run !== 'object' || run === null) throw new TypeError('run must be an object');
  return {
    id: checkRunId(run.id),
    writId: optionalText(run.writId, 'writId'),
    digest: optionalText(run.digest, 'digest'),
    signer: optionalText(run.signer, 'signer'),
    transport: requiredText(run.transport, 'transport', 64),
  };
}

/** Normalises a `before` bound to the stored timestamp format, so text comparison is time order. */
export function checkInstant(value: string, what: string): string {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new TypeError(`${what} must be a date string`);
  return new Date(ms).toISOString();
}

export function checkDate(value: unknown, what: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new TypeError(`${what} must be a valid Date`);
  return value;
}
