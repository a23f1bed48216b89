import { spawn } from 'node:child_process';
import { isAbsolute } from 'node:path';
import { WritError } from '../../core/errors.js';

/** What the hook is asked about: one operator request, before anything is sent to an agent. */
export interface AuthContext {
  readonly action: 'run' | 'exec' | 'ping' | 'cancel';
  /** Who asks: the API token's name, or the subject of the operator's client certificate. */
  readonly operator: string;
  /** Host names the request would reach (tags already resolved). */
  readonly targets: readonly string[];
  /** The writ being sent, when there is one: its SHA-256 and size (the agents, not the control host, verify it). */
  readonly writ?: { readonly sha256: string; readonly bytes: number };
  /** For `exec`: the program and its arguments. */
  readonly command?: readonly string[];
  readonly requestId: string;
  readonly at: string;
}

export interface AuthHookOptions {
  /** Absolute path of the executable; run without a shell. */
  readonly path: string;
  readonly args: readonly string[];
  readonly timeoutMs: number;
}

export type AuthDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly code: 'AUTH_HOOK_DENIED' | 'AUTH_HOOK_TIMEOUT' | 'AUTH_HOOK_CRASHED' | 'AUTH_HOOK_FAILED'; readonly reason: string };

/** Enough of the hook's stderr to say why; a chatty hook must not fill the control host's memory. */
const MAX_REASON_BYTES = 4096;

export function checkAuthHookOptions(options: AuthHookOptions): AuthHookOptions {
  // A relative path would depend on the control host's working directory, which an operator does not see.
  if (!isAbsolute(options.path)) throw new WritError('CONFIG_INVALID', `authHook.path must be absolute (got ${options.path})`);
  if (!Number.isInteger(options.timeoutMs) || options.timeoutMs < 1 || options.timeoutMs > 600_000) {
    throw new WritError('CONFIG_INVALID', `authHook.timeoutMs must be 1..600000 (got ${options.timeoutMs})`);
  }
  return options;
}

/**
 * Asks the operator's hook (ctrl-exec's idea): the request context as one JSON document on stdin;
 * exit 0 allows. Everything else denies: another exit code, a signal, a timeout, a hook that cannot
 * be started. The hook runs in its own process group so a timeout kills whatever it started too.
 */
export function askAuthHook(options: AuthHookOptions, context: AuthContext): Promise<AuthDecision> {
  return new Promise((resolve) => {
    let settled = false;
    const decide = (decision: AuthDecision): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(decision);
    };
    const child = spawn(options.path, [...options.args], { stdio: ['pipe', 'ignore', 'pipe'], detached: true, shell: false });
    let reason = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      if (reason.length < MAX_REASON_BYTES) reason = (reason + text).slice(0, MAX_REASON_BYTES);
    });
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      killGroup();
      // Fail closed: a hook that cannot answer in time has not allowed anything.
      decide({ allowed: false, code: 'AUTH_HOOK_TIMEOUT', reason: `no answer within ${options.timeoutMs} ms` });
    }, options.timeoutMs);
    child.on('error', (err) => {
      decide({ allowed: false, code: 'AUTH_HOOK_FAILED', reason: `cannot run ${options.path}: ${err.message}` });
    });
    child.on('close', (code, signal) => {
      // Whatever the hook left running in its group goes with it: it has answered.
      killGroup();
      if (code === 0 && signal === null) decide({ allowed: true });
      else if (signal !== null) decide({ allowed: false, code: 'AUTH_HOOK_CRASHED', reason: `the hook was killed by ${signal}` });
      else decide({ allowed: false, code: 'AUTH_HOOK_DENIED', reason: reason.trim() || `the hook exited ${code ?? '?'}` });
    });
    // A hook that exits without reading stdin closes the pipe: its exit code still decides.
    child.stdin.on('error', () => undefined);
    child.stdin.end(`${JSON.stringify(context)}\n`);
  });
}
