/** Verification defaults, in a module of their own so CLI flag help can show them without loading crypto code. */
export const DEFAULT_CLOCK_SKEW_MS = 60_000;
export const DEFAULT_MAX_BUNDLE_BYTES = 64 * 1024 * 1024;
