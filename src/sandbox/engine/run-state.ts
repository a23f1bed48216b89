import { monotonicMs } from '../../core/clock.js';
import type { RunErrorInfo, SandboxOutcome } from '../outcome.js';

/** A reason that ends the run no matter what the guest does afterwards. */
export interface AbortReason {
  readonly status: Extract<SandboxOutcome['status'], 'failed' | 'timeout' | 'limit'>;
  readonly error: RunErrorInfo;
}

/**
 * Shared, host-only state of one run: the deadline and the first abort reason. Once an abort reason is
 * set, the interrupt handler stops the VM and every later host call is refused, so a guest `catch`
 * cannot swallow a limit; the first reason wins so the report names what actually happened first.
 */
export class RunState {
  #deadline = Number.POSITIVE_INFINITY;
  #abort: AbortReason | undefined;
  readonly #timeoutMs: number;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  /** Starts the clock; called just before the first guest code runs. */
  start(): void {
    this.#deadline = monotonicMs() + this.#timeoutMs;
  }

  get aborted(): AbortReason | undefined {
    return this.#abort;
  }

  abort(reason: AbortReason): void {
    this.#abort ??= reason;
  }

  /** True once the run must stop; records a timeout when the deadline is what stopped it. */
  shouldStop(): boolean {
    if (this.#abort !== undefined) return true;
    if (monotonicMs() > this.#deadline) {
      this.abort({ status: 'timeout', error: { code: 'TIMEOUT', message: `script exceeded its ${this.#timeoutMs} ms time limit` } });
      return true;
    }
    return false;
  }

  /** Called when QuickJS's heap could not grow: the run ends with a memory limit. */
  memoryExhausted(memoryMiB: number): void {
    this.abort({ status: 'limit', error: { code: 'MEMORY_LIMIT', message: `script exceeded its ${memoryMiB} MiB memory limit` } });
  }
}
