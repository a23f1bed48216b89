/**
 * runInSandbox: one script, one fresh QuickJS WebAssembly instance with its own capped memory, one
 * outcome. Only the instantiation is awaited; the guest then runs synchronously to the end. The
 * instance is dropped afterwards whatever happened, so nothing a script does (memory exhaustion,
 * corrupted interpreter state, leaked handles) can reach the next run.
 */
import { monotonicMs } from '../../core/clock.js';
import { isJsonObject } from '../../core/json.js';
import { messageOf } from '../../core/errors.js';
import { SandboxError } from '../errors.js';
import type { RunErrorInfo, SandboxOptions, SandboxOutcome } from '../outcome.js';
import { classifyThrown, parseGuestError, StackMapper } from './classify.js';
import { evaluate, type Evaluation } from './evaluate.js';
import { OutputSink } from './output.js';
import { RunState } from './run-state.js';
import { GuestSession, hostSpec } from './session.js';
import { transpileTypeScript } from './transpile.js';
import { prepareSpare, takeInstance } from './spare-instance.js';
import type { LoadedQuickJS } from './wasm-loader.js';
import { heapExhausted, isMemoryFailure, MAX_PAGES, MIN_PAGES } from './wasm-memory.js';

const PAGES_PER_MIB = 16;
/** Static data, the C stack and allocator slack below QuickJS's heap (~5 MiB measured) plus margin. */
const RESERVED_PAGES = 96;
const MAX_MEMORY_MIB = Math.floor((MAX_PAGES - RESERVED_PAGES) / PAGES_PER_MIB);

/** Counters for tests and benchmarks (not part of the sandbox's public API). */
export const engineStats = { runs: 0, disposeFailures: 0, poisoned: 0 };

/** WASM memory cap for a run: the guest heap gets about `memoryMiB`, never less than the module's minimum. */
export function maximumPages(memoryMiB: number): number {
  return Math.min(MAX_PAGES, Math.max(MIN_PAGES, RESERVED_PAGES + Math.ceil(memoryMiB * PAGES_PER_MIB)));
}

/**
 * Runs one script. Rejects with SandboxError only for invalid options (a caller bug); everything the
 * script does, including crashing the interpreter, becomes the resolved outcome.
 */
export async function runInSandbox(options: SandboxOptions): Promise<SandboxOutcome> {
  const started = monotonicMs();
  validate(options);
  const spec = hostSpec(options.host);
  engineStats.runs++;
  const { limits, filename } = options;
  const sink = new OutputSink(limits.maxOutputBytes, options.onOutput);
  const state = new RunState(limits.timeoutMs);
  const finish = (e: Evaluation): SandboxOutcome => ({
    status: e.status,
    result: e.result,
    error: e.error,
    stdout: sink.stdout,
    logs: [...sink.logs],
    truncated: sink.truncated,
    durationMs: monotonicMs() - started,
  });
  const fail = (error: RunErrorInfo): SandboxOutcome => finish({ status: 'failed', result: null, error });

  let source = options.source;
  let mapper = new StackMapper(filename, undefined);
  if (options.language === 'ts') {
    const t = transpileTypeScript(source, filename);
    if (!t.ok) return fail({ code: 'SCRIPT_SYNTAX', message: `SyntaxError: ${t.message} (${filename}:${t.line}:${t.column})` });
    source = t.code;
    mapper = new StackMapper(filename, t.lines);
  }

  let loaded: LoadedQuickJS;
  try {
    loaded = await takeInstance(maximumPages(limits.memoryMiB));
  } catch (err) {
    return fail({ code: 'SANDBOX_ERROR', message: `could not start the sandbox: ${messageOf(err)}` });
  }
  prepareSpare(maximumPages(limits.memoryMiB));
  const stopped = (): boolean => {
    if (heapExhausted(loaded.signals)) state.memoryExhausted(limits.memoryMiB);
    return state.shouldStop();
  };

  let evaluation: Evaluation | 'stopped';
  let session: GuestSession | undefined;
  let poisoned = false;
  try {
    session = new GuestSession({ loaded, memoryMiB: limits.memoryMiB, host: options.host, spec, args: options.args, state, sink });
    state.start();
    const installed = session.install(options.prelude);
    if (installed?.error !== undefined) {
      const described = stopped() ? undefined : parseGuestError(session.describe(installed.error));
      evaluation = described === undefined || stopped() ? 'stopped' : preludeFailure(classifyThrown(described, mapper).error);
    } else {
      evaluation = evaluate({ session, source, filename, mapper, sink, stopped });
    }
  } catch (err) {
    // An exception out of the WASM module (V8 stack overflow inside QuickJS, an abort, a trap) leaves the
    // interpreter in an unknown state: never call into it again, just drop it.
    poisoned = true;
    engineStats.poisoned++;
    // With the heap full, an abort or trap is the memory limit, however the glue surfaced it.
    if (isMemoryFailure(err, loaded.memory, loaded.maximumPages, loaded.signals)) state.memoryExhausted(limits.memoryMiB);
    evaluation = stopped() ? 'stopped' : crashed(err);
  } finally {
    if (session !== undefined && !poisoned) {
      try {
        session.dispose();
      } catch {
        // A failed free (QuickJS asserts on leaks) cannot affect later runs: this module is discarded.
        engineStats.disposeFailures++;
      }
    }
  }

  // QuickJS's own allocation limit surfaces as an uncaught "out of memory": same outcome as a refused growth.
  if (evaluation !== 'stopped' && evaluation.error?.code === 'MEMORY_LIMIT') state.memoryExhausted(limits.memoryMiB);
  // A reason recorded host-side (limit, timeout, host failure, memory) overrides whatever the guest did
  // afterwards, e.g. catching the error and returning normally.
  stopped();
  const reason = state.aborted;
  if (reason !== undefined) return finish({ status: reason.status, result: null, error: reason.error });
  if (evaluation === 'stopped') return fail({ code: 'SANDBOX_ERROR', message: 'the run stopped without a recorded reason' });
  return finish(evaluation);
}

function preludeFailure(error: RunErrorInfo): Evaluation {
  return { status: 'failed', result: null, error: { code: 'PRELUDE_ERROR', message: error.message } };
}

function crashed(err: unknown): Evaluation {
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    return { status: 'failed', result: null, error: { code: 'SCRIPT_ERROR', message: 'RangeError: Maximum call stack size exceeded' } };
  }
  return { status: 'failed', result: null, error: { code: 'SANDBOX_ERROR', message: `sandbox failure: ${messageOf(err)}` } };
}

/** Limits must be finite and positive: a NaN or missing limit would otherwise mean "unbounded". */
function validate(options: SandboxOptions): void {
  const { limits } = options;
  const bad = (what: string): never => {
    throw new SandboxError('INVALID_OPTIONS', `invalid sandbox options: ${what}`);
  };
  if (typeof options.source !== 'string') bad('source must be a string');
  if (typeof options.filename !== 'string' || options.filename === '') bad('filename must be a non-empty string');
  if (options.language !== 'js' && options.language !== 'ts') bad('language must be js or ts');
  if (!(limits.timeoutMs > 0) || !Number.isFinite(limits.timeoutMs)) bad('timeoutMs must be a positive number');
  if (!(limits.memoryMiB >= 1) || limits.memoryMiB > MAX_MEMORY_MIB) bad(`memoryMiB must be between 1 and ${MAX_MEMORY_MIB}`);
  if (!(limits.maxOutputBytes >= 0) || !Number.isFinite(limits.maxOutputBytes)) bad('maxOutputBytes must be a non-negative number');
  if (!isJsonObject(options.args)) bad('args must be a JSON object');
  try {
    JSON.stringify(options.args);
  } catch {
    bad('args must be JSON-serializable');
  }
  if (options.prelude !== undefined && typeof options.prelude !== 'string') bad('prelude must be a string');
}
