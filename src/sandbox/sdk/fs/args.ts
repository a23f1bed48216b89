import { SdkError } from '../../errors.js';
import type { HostValue } from '../../host-api.js';

/**
 * Validation of guest-supplied arguments other than paths (paths go through canonicalPath). Guest
 * values are untrusted: anything unexpected is refused rather than coerced.
 */

function isRecord(value: HostValue): value is { readonly [key: string]: HostValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** Parses `{flag?: boolean}` options; unknown keys are refused so a typo never silently changes behaviour. */
export function parseFlags<K extends string>(value: HostValue, allowed: readonly K[], what: string): Partial<Record<K, boolean>> {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw new SdkError('INVALID_ARGUMENT', `${what} options must be an object`);
  const out: Partial<Record<K, boolean>> = {};
  for (const [key, v] of Object.entries(value)) {
    if (!(allowed as readonly string[]).includes(key)) {
      throw new SdkError('INVALID_ARGUMENT', `${what}: unknown option ${JSON.stringify(key)}`);
    }
    if (v === undefined) continue;
    if (typeof v !== 'boolean') throw new SdkError('INVALID_ARGUMENT', `${what}: option ${key} must be a boolean`);
    out[key as K] = v;
  }
  return out;
}

/** Data to write: a string (written as UTF-8) or bytes. */
export function parseData(value: HostValue): Uint8Array {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return value;
  throw new SdkError('INVALID_ARGUMENT', 'data must be a string or a Uint8Array');
}

/** A permission mode: an integer 0..0o7777 or an octal string such as "755" or "0644". */
export function parseMode(value: HostValue): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0o7777) return value;
  if (typeof value === 'string' && /^[0-7]{1,4}$/.test(value)) return Number.parseInt(value, 8);
  throw new SdkError('INVALID_ARGUMENT', 'mode must be an integer 0..0o7777 or an octal string like "644"');
}
