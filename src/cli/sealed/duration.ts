import { CliUsageError } from '../output.js';

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const MAX_MS = 366 * 86_400_000;

/** `90s`, `30m`, `1h`, `7d` -> milliseconds; `flag` names the option in errors. */
export function parseDuration(flag: string, raw: string): number {
  const m = /^(\d{1,6})([smhd])$/.exec(raw.trim());
  const ms = m ? Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0) : NaN;
  if (!Number.isSafeInteger(ms) || ms <= 0 || ms > MAX_MS) {
    throw new CliUsageError('OPTION_INVALID', `${flag} must be a duration like 90s, 30m, 1h or 7d (at most 366d), got "${raw}"`);
  }
  return ms;
}

/** A whole number within bounds, naming the flag on error. */
export function parseWhole(flag: string, raw: string, min: number, max: number): number {
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new CliUsageError('OPTION_INVALID', `${flag} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return n;
}

/** commander collector for repeatable options. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
