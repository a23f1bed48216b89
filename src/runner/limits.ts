import { RUN_LIMIT_BOUNDS } from '../core/run-limit-bounds.js';
import { RunInputError } from './errors.js';

/** Limits of one run: DESIGN.md's defaults, and the flag names they come from. */
export interface RunLimits {
  readonly timeoutMs: number;
  readonly memoryMiB: number;
  readonly maxOps: number;
  readonly maxOutputBytes: number;
}

export const DEFAULT_LIMITS: RunLimits = Object.freeze({
  timeoutMs: 30_000,
  memoryMiB: 64,
  maxOps: 100_000,
  maxOutputBytes: 1_048_576,
});

const BOUNDS: Readonly<Record<keyof RunLimits, readonly [number, number]>> = RUN_LIMIT_BOUNDS;

const FLAG: Readonly<Record<keyof RunLimits, string>> = {
  timeoutMs: '--timeout',
  memoryMiB: '--memory',
  maxOps: '--max-ops',
  maxOutputBytes: '--max-output',
};

/** Parses one limit given as text (a CLI flag), naming the flag on error. */
export function parseLimit(name: keyof RunLimits, raw: string): number {
  const trimmed = raw.trim();
  // Only plain decimal integers: "1e9", "0x10" or "12ms" are mistakes worth refusing loudly.
  if (!/^\d+$/.test(trimmed)) {
    throw new RunInputError('OPTION_INVALID', `${FLAG[name]} must be a whole number, got "${raw}"`);
  }
  return checkLimit(name, Number(trimmed));
}

export function checkLimit(name: keyof RunLimits, value: number): number {
  const [min, max] = BOUNDS[name];
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new RunInputError('OPTION_INVALID', `${FLAG[name]} must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

/** Applies overrides on top of defaults; every given value is checked. */
export function resolveLimits(overrides: Partial<Record<keyof RunLimits, string | undefined>>): RunLimits {
  const out: Record<keyof RunLimits, number> = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(FLAG) as (keyof RunLimits)[]) {
    const raw = overrides[key];
    if (raw !== undefined) out[key] = parseLimit(key, raw);
  }
  return out;
}
