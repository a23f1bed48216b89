/**
 * Runs the script in an installed session and produces its result or error: picks script vs module
 * mode, evaluates, drains promise jobs until the result settles, and serializes the result inside the
 * guest. Returns 'stopped' when the run state (deadline, limit, host failure, memory) ended the run;
 * the caller then reports that reason instead.
 */
import type { QuickJSHandle } from 'quickjs-emscripten';
import type { JsonValue } from '../../core/json.js';
import type { RunErrorInfo, SandboxOutcome } from '../outcome.js';
import { classifySyntax, classifyThrown, parseGuestError, type Classified, type GuestError, type StackMapper } from './classify.js';
import type { OutputSink } from './output.js';
import type { GuestResult, GuestSession } from './session.js';

/** QuickJS JS_EVAL_FLAG_ASYNC: top-level await in a global script; eval returns a promise of `{ value }`. */
const FLAG_ASYNC_SCRIPT = 1 << 7;
const TYPE_MODULE = 1;
const FLAG_COMPILE_ONLY = 1 << 5;
/**
 * QuickJS's script-mode complaints about module syntax (an import or export statement, import.meta).
 * Only such a failure is retried as a module (top-level await needs no module): any other script
 * error is reported as is, so e.g. a redeclared global never silently turns the run into a module
 * whose result is its (absent) default export.
 */
const MODULE_HINT = /\bexport\b|\bimport\b|expecting '\('/;

export interface Evaluation {
  readonly status: SandboxOutcome['status'];
  readonly result: JsonValue;
  readonly error: RunErrorInfo | null;
}

export interface EvaluateInput {
  readonly session: GuestSession;
  readonly source: string;
  readonly filename: string;
  readonly mapper: StackMapper;
  readonly sink: OutputSink;
  /** True once the run must end for a host-side reason (timeout, limit, host failure, memory). */
  readonly stopped: () => boolean;
}

type Settled = GuestResult | 'stopped' | 'unsettled';

export function evaluate(input: EvaluateInput): Evaluation | 'stopped' {
  const { session } = input;
  const started = start(input);
  if (started === 'stopped') return 'stopped';
  if ('status' in started) return failure(started);
  // Script mode settles to `{ value: completion }`, module mode to the module namespace.
  const outer = settle(input, started.handle);
  if (typeof outer === 'string' || outer.error !== undefined) return settledFailure(input, outer);
  const inner = session.getProperty(outer.value, started.mode === 'script' ? 'value' : 'default');
  if (inner.error !== undefined) return thrown(input, inner.error);
  // A completion value or default export that is itself a promise is awaited too.
  const final = settle(input, inner.value);
  if (typeof final === 'string' || final.error !== undefined) return settledFailure(input, final);
  // Let floating promise jobs (fire-and-forget async work) finish, as Node would before exiting.
  if (drain(input) === 'stopped' || input.stopped()) return 'stopped';
  return serialize(input, final.value);
}

type Started = { readonly mode: 'script' | 'module'; readonly handle: QuickJSHandle } | Classified;

/**
 * Evaluates the source as an async global script; if it does not compile as one, as a module. With
 * the async flag a script's runtime errors become a rejected promise, so an error returned by eval is
 * always a compile error: scripts are compiled exactly once.
 */
function start(input: EvaluateInput): Started | 'stopped' {
  const { session, source, filename, mapper } = input;
  const asScript = session.context.evalCode(source, filename, FLAG_ASYNC_SCRIPT);
  if (asScript.error === undefined) return { mode: 'script', handle: session.manage(asScript.value) };
  const scriptError = describeHandle(input, session.manage(asScript.error));
  if (scriptError === 'stopped') return 'stopped';
  if (scriptError.name !== 'SyntaxError') return classifyThrown(scriptError, mapper);
  if (!MODULE_HINT.test(scriptError.message)) return classifySyntax(scriptError, mapper, filename);
  // Module errors at run time are also returned by eval, so a module is compiled first on its own.
  const moduleError = compileError(input, TYPE_MODULE);
  if (moduleError === 'stopped') return 'stopped';
  if (moduleError === undefined) {
    const asModule = session.context.evalCode(source, filename, TYPE_MODULE);
    if (asModule.error === undefined) return { mode: 'module', handle: session.manage(asModule.value) };
    const runError = describeHandle(input, session.manage(asModule.error));
    return runError === 'stopped' ? 'stopped' : classifyThrown(runError, mapper);
  }
  // e.g. an import, refused by the module loader while the module is being compiled.
  if (moduleError.name !== 'SyntaxError') return classifyThrown(moduleError, mapper);
  return classifySyntax(moduleError, mapper, filename);
}

function describeHandle(input: EvaluateInput, error: QuickJSHandle): GuestError | 'stopped' {
  if (input.stopped()) return 'stopped';
  const described = parseGuestError(input.session.describe(error));
  return input.stopped() ? 'stopped' : described;
}

/** Compiles without running: undefined when the source compiles in that mode. */
function compileError(input: EvaluateInput, flags: number): GuestError | undefined | 'stopped' {
  const { session, source, filename } = input;
  const r = session.context.evalCode(source, filename, flags | FLAG_COMPILE_ONLY);
  if (r.error === undefined) {
    r.value.dispose();
    return undefined;
  }
  return describeHandle(input, session.manage(r.error));
}

function settle(input: EvaluateInput, handle: QuickJSHandle): Settled {
  const { session, stopped } = input;
  for (;;) {
    if (stopped()) return 'stopped';
    const state = session.context.getPromiseState(handle);
    if (state.type === 'fulfilled') return { value: state.notAPromise === true ? handle : session.manage(state.value) };
    if (state.type === 'rejected') return { error: session.manage(state.error) };
    if (!session.runtime.hasPendingJob()) return 'unsettled';
    const drained = drain(input);
    if (drained !== undefined) return drained;
  }
}

/** Runs queued promise jobs until none are left (each one runs under the interrupt handler). */
function drain(input: EvaluateInput): Settled | undefined {
  const { session, stopped } = input;
  while (session.runtime.hasPendingJob()) {
    if (stopped()) return 'stopped';
    const jobs = session.runtime.executePendingJobs(-1);
    if (jobs.error !== undefined) {
      const error = session.manage(jobs.error);
      return stopped() ? 'stopped' : { error };
    }
  }
  return undefined;
}

function settledFailure(input: EvaluateInput, settled: Settled): Evaluation | 'stopped' {
  if (settled === 'stopped') return 'stopped';
  if (settled === 'unsettled') {
    return failure({ status: 'failed', error: { code: 'SCRIPT_ERROR', message: 'the script awaited a promise that can never settle' } });
  }
  if (settled.error !== undefined) return thrown(input, settled.error);
  return 'stopped';
}

function thrown(input: EvaluateInput, error: QuickJSHandle): Evaluation | 'stopped' {
  // An interrupt or memory failure surfaces as a thrown error; the run state names the real reason.
  const described = describeHandle(input, error);
  return described === 'stopped' ? 'stopped' : failure(classifyThrown(described, input.mapper));
}

function serialize(input: EvaluateInput, value: QuickJSHandle): Evaluation | 'stopped' {
  const { session, sink } = input;
  const r = session.serialize(value);
  if (r.error !== undefined) return thrown(input, r.error);
  const length = session.context.getLength(r.value) ?? 0;
  // UTF-8 bytes >= UTF-16 units: an oversized result is refused before it is copied out of the guest.
  if (length - 1 > sink.remaining) return outputLimit(sink);
  const text = session.readString(r.value) ?? 'x';
  if (text === 'u') return { status: 'succeeded', result: null, error: null };
  if (!text.startsWith('j')) {
    return failure({ status: 'failed', error: { code: 'RESULT_NOT_SERIALIZABLE', message: `result is not JSON-serializable: ${text.slice(1)}` } });
  }
  const json = text.slice(1);
  if (!sink.reserve(Buffer.byteLength(json, 'utf8'))) return outputLimit(sink);
  try {
    return { status: 'succeeded', result: JSON.parse(json) as JsonValue, error: null };
  } catch {
    // Only possible if the script replaced JSON.stringify's behaviour through toJSON tricks we did not foresee.
    return failure({ status: 'failed', error: { code: 'RESULT_NOT_SERIALIZABLE', message: 'result did not serialize to valid JSON' } });
  }
}

function outputLimit(sink: OutputSink): Evaluation {
  sink.markTruncated();
  return failure({ status: 'limit', error: { code: 'OUTPUT_LIMIT', message: 'the result does not fit in maxOutputBytes' } });
}

function failure(c: Classified): Evaluation {
  return { status: c.status, result: null, error: c.error };
}
