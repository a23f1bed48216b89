import { SdkError } from '../errors.js';
import type { HostValue } from '../host-api.js';

/**
 * Validation of guest-supplied arguments at the host boundary: everything a host function receives is
 * untrusted, so it is checked once here into plain typed values (INVALID_ARGUMENT otherwise).
 */

type HostRecord = { readonly [key: string]: HostValue };

function invalid(message: string): SdkError {
  return new SdkError('INVALID_ARGUMENT', message);
}

/** A string without NUL bytes (a NUL would truncate it in the kernel and change what is acted on). */
export function stringArg(value: HostValue, what: string, options: { nonEmpty?: boolean } = {}): string {
  if (typeof value !== 'string') throw invalid(`${what} must be a string`);
  if (options.nonEmpty === true && value.length === 0) throw invalid(`${what} must not be empty`);
  if (value.includes('\0')) throw invalid(`${what} contains a NUL byte`);
  return value;
}

export function isRecord(value: HostValue): value is HostRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/**
 * An options object (undefined/null mean none). Unknown keys are refused, so a misspelt safety option
 * (`timeout` for `timeoutMs`) fails loudly instead of being ignored.
 */
export function optionsArg(value: HostValue, what: string, allowed: readonly string[]): HostRecord {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw invalid(`${what} must be an object`);
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw invalid(`${what} has an unknown option "${key}"`);
  }
  return value;
}

/** An array of NUL-free strings. */
export function stringArrayArg(value: HostValue, what: string): string[] {
  if (!Array.isArray(value)) throw invalid(`${what} must be an array of strings`);
  const items: readonly HostValue[] = value;
  return items.map((item, i) => stringArg(item, `${what}[${i}]`));
}

/** An object whose values are all NUL-free strings (headers, environment). */
export function stringRecordArg(value: HostValue, what: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw invalid(`${what} must be an object of strings`);
  const out = new Map<string, string>();
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\0')) throw invalid(`${what} has a name containing a NUL byte`);
    out.set(key, stringArg(item, `${what}.${key}`));
  }
  // fromEntries defines own data properties: a name like `__proto__` stays an ordinary entry.
  return Object.fromEntries(out);
}

/** A safe integer within [min, max]. */
export function intArg(value: HostValue, what: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalid(`${what} must be an integer between ${min} and ${max}`);
  }
  return value;
}
