/**
 * The range every run limit must lie in, wherever it comes from: a `writ run` flag, a manifest's
 * `limits`, or the agent's configuration. Bounds keep a hostile or mistyped limit from disabling
 * protection (0 ms, 0 MiB) or exhausting the host. Defined once, below every layer that checks one.
 */
export const RUN_LIMIT_BOUNDS = Object.freeze({
  timeoutMs: [1, 24 * 3600 * 1000],
  memoryMiB: [8, 4096],
  maxOps: [1, 1_000_000_000],
  maxOutputBytes: [0, 1024 * 1024 * 1024],
} as const);
