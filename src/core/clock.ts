/** Monotonic milliseconds; deadlines use this so wall-clock jumps cannot stretch or cut a limit. */
export function monotonicMs(): number {
  return performance.now();
}
