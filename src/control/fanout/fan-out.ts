import { WritError } from '../../core/errors.js';

/** What one host's task reports; `exitCode` is the run's own, passed through untouched. */
export interface HostOutcome {
  readonly exitCode: number | null;
  /** A failure before or around the run (unreachable, refused, timeout): its stable code. */
  readonly error: { readonly code: string; readonly message: string } | null;
  readonly runId?: string;
}

export type HostStatus = 'ok' | 'failed' | 'error' | 'timeout' | 'skipped';

export interface HostResult extends HostOutcome {
  readonly host: string;
  readonly status: HostStatus;
  readonly durationMs: number;
}

export interface FanOutOptions {
  /** Hosts in flight at once. */
  readonly maxConcurrency: number;
  /** Once more hosts than this have failed, nothing new is dispatched (those in flight finish). Infinity: never stop. */
  readonly maxErrors: number;
  /** Per host, from dispatch to final result; the task's signal is aborted then. */
  readonly hostTimeoutMs: number;
  /**
   * Aborted: nothing new is dispatched and the hosts not yet started are `skipped` (CANCELLED).
   * Hosts in flight go on (cancel them at their agents): their results are still worth having.
   */
  readonly signal?: AbortSignal;
  readonly onResult?: (result: HostResult, progress: { readonly done: number; readonly total: number }) => void;
}

export type HostTask = (host: string, signal: AbortSignal) => Promise<HostOutcome>;

export function checkFanOutOptions(options: FanOutOptions): FanOutOptions {
  if (!Number.isInteger(options.maxConcurrency) || options.maxConcurrency < 1) throw new WritError('USAGE', `--max-concurrency must be a whole number ≥ 1 (got ${options.maxConcurrency})`);
  if (!(options.maxErrors === Infinity || (Number.isInteger(options.maxErrors) && options.maxErrors >= 0))) throw new WritError('USAGE', `--max-errors must be a whole number ≥ 0 (got ${options.maxErrors})`);
  if (!Number.isInteger(options.hostTimeoutMs) || options.hostTimeoutMs < 1) throw new WritError('USAGE', `the per-host timeout must be ≥ 1 ms (got ${options.hostTimeoutMs})`);
  return options;
}

/**
 * A host that gave an exit code ran (or refused) the writ: 0 is ok, anything else failed, whatever
 * error came with it (a refused writ is exit 4 with its code). No exit code: an error or a timeout.
 */
function statusOf(outcome: HostOutcome): HostStatus {
  if (outcome.exitCode !== null) return outcome.exitCode === 0 ? 'ok' : 'failed';
  return outcome.error?.code === 'HOST_TIMEOUT' ? 'timeout' : 'error';
}

/**
 * Runs `task` for every host, at most `maxConcurrency` at a time, in the order given. Every host gets
 * exactly one result: its own outcome, `timeout` after `hostTimeoutMs`, or `skipped` when more than
 * `maxErrors` hosts had failed before its turn (so a bad change stops spreading). A task that throws
 * is an `error` result, never a lost host.
 */
export async function fanOut(targets: readonly string[], task: HostTask, options: FanOutOptions): Promise<HostResult[]> {
  // A host named twice (a tag and its name) runs once: one result per host.
  const hosts = [...new Set(targets)];
  const results = new Map<string, HostResult>();
  let next = 0;
  let failures = 0;
  const record = (result: HostResult): void => {
    results.set(result.host, result);
    if (result.status !== 'ok' && result.status !== 'skipped') failures++;
    options.onResult?.(result, { done: results.size, total: hosts.length });
  };
  const runOne = async (host: string): Promise<void> => {
    const started = performance.now();
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<HostOutcome>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve({ exitCode: null, error: { code: 'HOST_TIMEOUT', message: `no final result within ${options.hostTimeoutMs} ms` } });
      }, options.hostTimeoutMs);
    });
    let outcome: HostOutcome;
    try {
      outcome = await Promise.race([task(host, controller.signal), timeout]);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      outcome = { exitCode: null, error: { code: typeof code === 'string' ? code : 'HOST_ERROR', message: err instanceof Error ? err.message : String(err) } };
    } finally {
      clearTimeout(timer);
    }
    record({ host, ...outcome, status: statusOf(outcome), durationMs: Math.round(performance.now() - started) });
  };
  const worker = async (): Promise<void> => {
    for (;;) {
      // Checked before each dispatch: hosts already in flight finish, nothing new starts.
      if (failures > options.maxErrors || options.signal?.aborted === true) return;
      const host = hosts[next++];
      if (host === undefined) return;
      await runOne(host);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.maxConcurrency, hosts.length) }, () => worker()));
  const skipped = (host: string): HostResult => {
    const error = options.signal?.aborted === true && failures <= options.maxErrors
      ? { code: 'CANCELLED', message: 'not dispatched: the fan-out was cancelled' }
      : { code: 'MAX_ERRORS', message: `not dispatched: more than ${options.maxErrors} host(s) failed` };
    const result: HostResult = { host, exitCode: null, error, status: 'skipped', durationMs: 0 };
    record(result);
    return result;
  };
  return hosts.map((host) => results.get(host) ?? skipped(host));
}

/**
 * One exit code for the whole fan-out: 0 when every host succeeded; a single host's own exit code
 * when every failing host agrees on it; otherwise 1. Each host's code is in the summary regardless.
 */
export function overallExitCode(results: readonly HostResult[]): number {
  const codes = new Set(results.filter((r) => r.status !== 'ok').map((r) => (r.status === 'failed' ? r.exitCode : null)));
  if (codes.size === 0) return 0;
  const [only] = [...codes];
  return codes.size === 1 && typeof only === 'number' ? only : 1;
}
