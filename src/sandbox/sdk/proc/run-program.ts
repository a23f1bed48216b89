import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { closeSync, openSync, readSync, realpathSync } from 'node:fs';
import { monotonicMs } from '../../../core/clock.js';
import { LimitExceededError, SdkError } from '../../errors.js';
import type { SdkContext } from '../context.js';
import { authorizeExecute } from './execute-request.js';

export type RunResult = {
  /** Exit status, or null when the process was ended by a signal. */
  readonly code: number | null;
  /** Signal name that ended the process (e.g. `SIGKILL`), or null. */
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  /** True when the caller's own `timeoutMs` ran out and the process was killed. */
  readonly timedOut: boolean;
};

export interface RunOptions {
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  /** The caller's own limit; the run's deadline always applies as well. */
  readonly timeoutMs?: number;
}

/**
 * Authorizes `execute` on `programPath` and, when it is a symlink (or has one on the way), on its real
 * path too, because the real file is what the kernel runs. Returns the real path, which is what gets
 * spawned, so a link swapped after the check still cannot redirect us to an unauthorized file.
 */
export function authorizeProgram(
  ctx: SdkContext,
  programPath: string,
  argv: readonly string[],
  env: Readonly<Record<string, string>>,
  depth = 0,
): string {
  if (depth > MAX_INTERPRETER_DEPTH) throw new SdkError('EXEC_FAILED', `${programPath}: too many levels of #! interpreters`);
  // Asked before anything touches the path, so a denied caller learns nothing about it.
  authorizeExecute(ctx, programPath, argv, env);
  let real: string;
  try {
    real = realpathSync.native(programPath);
  } catch (err) {
    throw new SdkError(errnoCode(err) ?? 'EXEC_FAILED', `cannot resolve ${programPath}`);
  }
  // A link to another file needs permission on that file as well: a policy naming the link isn't enough.
  if (real !== programPath) authorizeExecute(ctx, real, argv, env);
  const interpreter = shebangInterpreter(real);
  // The kernel runs a `#!` script's interpreter with the script as an argument: that program needs
  // `execute` too, or permission for one script would quietly grant /bin/sh (REX does not check this).
  if (interpreter !== null) authorizeProgram(ctx, interpreter, [real, ...argv], env, depth + 1);
  return real;
}

/** Longest `#!` line Linux reads (BINPRM_BUF_SIZE); a longer one is cut by the kernel the same way. */
const SHEBANG_MAX = 256;
/** Linux follows at most 4 levels of interpreter scripts; deeper chains fail to execute anyway. */
const MAX_INTERPRETER_DEPTH = 4;

/** The interpreter path named by a `#!` line, or null when the file is not a script. */
function shebangInterpreter(path: string): string | null {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(SHEBANG_MAX);
    const n = readSync(fd, head, 0, SHEBANG_MAX, 0);
    if (n < 2 || head[0] !== 0x23 || head[1] !== 0x21) return null;
    const line = head.subarray(2, n).toString('latin1').split('\n')[0] ?? '';
    const interpreter = line.trim().split(/[ \t]+/)[0] ?? '';
    // A relative interpreter is resolved by the kernel against the cwd; refuse what we cannot name exactly.
    if (!interpreter.startsWith('/')) throw new SdkError('EXEC_FAILED', `${path}: interpreter "${interpreter}" is not an absolute path`);
    return interpreter;
  } catch (err) {
    if (err instanceof SdkError) throw err;
    // Unreadable to us (e.g. execute-only binary): the kernel would still run it; it has no #! we can see.
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Runs an already-authorized program: no shell (argv passed as is), stdin /dev/null, only `env`
 * (never the host's), in its own process group that is SIGKILLed afterwards so nothing it started
 * outlives the call. stdout and stderr are each capped at ctx.maxReadBytes: beyond it the process is
 * killed and OUTPUT_TOO_LARGE thrown (no silent truncation). Output is read until every process
 * holding it has closed it (like a shell's `$(...)`), so a backgrounded descendant counts against the
 * time limit. Timeouts: the caller's `timeoutMs` -> result with `timedOut: true` (normally `code: null`,
 * `signal: 'SIGKILL'`); the run's deadline -> LimitExceededError('TIMEOUT') (the run is over anyway).
 */
export function runProgram(ctx: SdkContext, realPath: string, argv0: string, argv: readonly string[], options: RunOptions): RunResult {
  const remaining = Math.floor(ctx.deadline - monotonicMs());
  if (remaining <= 0) throw new LimitExceededError('TIMEOUT', 'no time left in the run to start a process');
  const deadlineBound = options.timeoutMs === undefined || remaining <= options.timeoutMs;
  const timeout = Math.max(1, deadlineBound ? remaining : (options.timeoutMs ?? remaining));
  const spawnOptions: SpawnSyncOptions & { detached: boolean } = {
    argv0,
    cwd: options.cwd,
    // A copy: only what the script asked for (and the policy saw) reaches the child.
    env: { ...options.env },
    // Never a shell: metacharacters in argv stay literal bytes.
    shell: false,
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout,
    killSignal: 'SIGKILL',
    maxBuffer: ctx.maxReadBytes,
    // Own session and process group, so the whole group can be killed afterwards.
    detached: true,
    windowsHide: true,
  };
  const result = spawnSync(realPath, [...argv], spawnOptions);
  if (result.pid > 0) killGroup(result.pid);
  const errCode = result.error === undefined ? undefined : (errnoCode(result.error) ?? 'EXEC_FAILED');
  const stdout = toBuffer(result.stdout);
  const stderr = toBuffer(result.stderr);
  if (errCode === 'ENOBUFS' || stdout.length > ctx.maxReadBytes || stderr.length > ctx.maxReadBytes) {
    throw new SdkError('OUTPUT_TOO_LARGE', `output of ${argv0} exceeds the limit of ${ctx.maxReadBytes} bytes per stream`);
  }
  if (errCode === 'ETIMEDOUT') {
    if (deadlineBound) throw new LimitExceededError('TIMEOUT', `${argv0} was killed at the run's deadline`);
    // Honest status: usually null/SIGKILL; 0 when the child had exited but a descendant kept its output open.
    return { code: result.status, signal: result.signal, stdout: decode(stdout), stderr: decode(stderr), timedOut: true };
  }
  if (errCode !== undefined) throw new SdkError(errCode, `cannot run ${argv0}`);
  return { code: result.status, signal: result.signal, stdout: decode(stdout), stderr: decode(stderr), timedOut: false };
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: the group is already empty.
  }
}

function toBuffer(value: unknown): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.alloc(0);
}

function decode(bytes: Buffer): string {
  return new TextDecoder('utf-8').decode(bytes);
}

export function errnoCode(err: unknown): string | undefined {
  if (err instanceof Error && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}
