/**
 * The two host functions the guest bootstrap holds in its closure (never on globalThis):
 *   hostCall(target, argsText, ...extras) -> reply   — runs one HostFunction (`target` = "fs.read")
 *   hostWrite(kind, text) -> reply                   — console/log output
 * A reply is a guest primitive (the result itself), or an array [text, ...extras] where text is
 * `p<json>`, `t<json>` or `e<json>` (an error for the stub to throw). The bridge only reads primitive
 * strings and ArrayBuffers from the guest, so no guest object, getter or Proxy runs on the host's behalf.
 */
import { messageOf } from '../../core/errors.js';
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten';
import { AccessDeniedError, LimitExceededError, SdkError } from '../errors.js';
import type { HostApi, HostFunction, HostValue } from '../host-api.js';
import type { LogEntry } from '../outcome.js';
import { decodeArgs, encodedSize, encodeResult, HostValueError, MarshalError, type EncodedValue, type Extra } from './marshal.js';
import type { OutputSink } from './output.js';
import type { AbortReason, RunState } from './run-state.js';
import { GuestMemoryError } from './wasm-memory.js';

/** What the guest stub turns into a thrown error. Every field is always present for its kind. */
type ErrorReply =
  | { kind: 'denied'; message: string; action: string; resource: string }
  | { kind: 'sdk'; message: string; code: string }
  | { kind: 'type'; message: string }
  | { kind: 'abort'; message: string; code: string };

const LOG_LEVELS: Readonly<Record<string, LogEntry['level']>> = { d: 'debug', i: 'info', w: 'warn', e: 'error' };

export interface BridgeDeps {
  readonly context: QuickJSContext;
  /** The guest's memory limit: a reply larger than this cannot fit and is refused before copying. */
  readonly memoryMiB: number;
  readonly host: HostApi;
  readonly state: RunState;
  readonly sink: OutputSink;
}

export interface Bridge {
  readonly hostCall: QuickJSHandle;
  readonly hostWrite: QuickJSHandle;
}

/** Creates the two guest function handles; the caller owns (and disposes) them. */
export function createBridge(deps: BridgeDeps): Bridge {
  const { context } = deps;
  // Only hits are cached, so the map is bounded by the host API's size whatever targets arrive.
  const functions = new Map<string, HostFunction>();
  const resolve = (target: string): HostFunction | undefined => {
    const cached = functions.get(target);
    if (cached !== undefined) return cached;
    const found = lookupTarget(deps.host, target);
    if (found !== undefined) functions.set(target, found);
    return found;
  };
  const hostCall = context.newFunction('hostCall', (...args: QuickJSHandle[]) => guard(deps, () => call(deps, resolve, args)));
  const hostWrite = context.newFunction('hostWrite', (...args: QuickJSHandle[]) => guard(deps, () => write(deps, args)));
  return { hostCall, hostWrite };
}

/**
 * Any bridge failure ends the run (memory limit if the guest heap was full, else HOST_ERROR); nothing
 * from the host (stack, object) reaches the guest. Never throws: the library would log to stderr.
 */
function guard(deps: BridgeDeps, body: () => QuickJSHandle): QuickJSHandle {
  try {
    return body();
  } catch (err) {
    if (err instanceof GuestMemoryError) deps.state.memoryExhausted(deps.memoryMiB);
    deps.state.abort({ status: 'failed', error: { code: 'HOST_ERROR', message: `sandbox bridge failed: ${messageOf(err)}` } });
    try {
      return errorReply(deps.context, abortReply(deps.state));
    } catch {
      // The run is already over (the interrupt handler stops the guest); return without allocating.
      return deps.context.undefined;
    }
  }
}

function call(deps: BridgeDeps, resolve: (target: string) => HostFunction | undefined, args: readonly QuickJSHandle[]): QuickJSHandle {
  const { context, state } = deps;
  // After a limit, timeout or host failure, every further host operation is refused.
  if (state.shouldStop()) return errorReply(context, abortReply(state));
  const [targetH, textH] = args;
  const target = readString(context, targetH);
  const text = readString(context, textH);
  if (target === undefined || text === undefined) {
    return errorReply(context, { kind: 'type', message: 'malformed host call' });
  }
  const fn = resolve(target);
  if (fn === undefined) return errorReply(context, { kind: 'type', message: `${target} is not a host function` });

  let values: HostValue[];
  try {
    values = decodeArgs(text, readExtras(context, args.slice(2)));
  } catch (err) {
    if (err instanceof MarshalError) return errorReply(context, { kind: 'type', message: `${target}: ${err.message}` });
    throw err;
  }

  let result: HostValue;
  try {
    result = fn(...values);
  } catch (err) {
    return errorReply(context, hostFailure(state, target, err));
  }
  // Time spent inside the host counts: a call that returns after the deadline still ends the run.
  if (state.shouldStop()) return errorReply(context, abortReply(state));

  let encoded: EncodedValue;
  try {
    encoded = encodeResult(result);
  } catch (err) {
    if (!(err instanceof HostValueError)) throw err;
    state.abort({ status: 'failed', error: { code: 'HOST_ERROR', message: `${target}: ${err.message}` } });
    return errorReply(context, abortReply(state));
  }
  // A reply that cannot fit in the guest's memory is refused before anything is copied into it.
  if (encodedSize(encoded) > deps.memoryMiB * 1024 * 1024) {
    state.memoryExhausted(deps.memoryMiB);
    return errorReply(context, abortReply(state));
  }
  return replyHandle(context, encoded);
}

function write({ context, state, sink }: BridgeDeps, args: readonly QuickJSHandle[]): QuickJSHandle {
  if (state.shouldStop()) return errorReply(context, abortReply(state));
  const rawKind = readString(context, args[0]);
  const rawText = readString(context, args[1]);
  // 'j' + kind: the bootstrap sent text holding NUL characters as JSON, since a raw one would be cut short.
  const json = rawKind?.startsWith('j') === true;
  const kind = json ? rawKind?.slice(1) : rawKind;
  const text = json && rawText !== undefined ? jsonString(rawText) : rawText;
  if (kind === undefined || text === undefined) return errorReply(context, { kind: 'type', message: 'malformed output call' });
  const level = LOG_LEVELS[kind];
  const ok = kind === 'o' ? sink.writeStdout(text) : level !== undefined ? sink.writeLog(level, text) : true;
  if (!ok) {
    // Output past the cap ends the run: the guest cannot keep the host busy formatting a flood.
    state.abort({ status: 'limit', error: { code: 'OUTPUT_LIMIT', message: 'output exceeded maxOutputBytes' } });
    return errorReply(context, abortReply(state));
  }
  return context.undefined;
}

/** Maps a host function's exception to what the guest sees, ending the run where the guest must not continue. */
function hostFailure(state: RunState, where: string, err: unknown): ErrorReply {
  if (err instanceof AccessDeniedError) {
    return { kind: 'denied', message: err.message, action: err.action, resource: err.resource };
  }
  if (err instanceof SdkError) return { kind: 'sdk', message: err.message, code: err.code };
  if (err instanceof LimitExceededError) {
    // Not swallowable: recorded host-side, so the run ends as `limit` whatever the guest's catch does.
    state.abort({ status: 'limit', error: { code: err.code, message: err.message } });
    return abortReply(state);
  }
  // Unknown host failures end the run; only a generic message (no host stack) is shown to the guest.
  state.abort({ status: 'failed', error: { code: 'HOST_ERROR', message: `${where} failed: ${messageOf(err)}` } });
  return abortReply(state);
}

function abortReply(state: RunState): ErrorReply {
  const reason: AbortReason | undefined = state.aborted;
  const code = reason?.error.code ?? 'ABORTED';
  return { kind: 'abort', code, message: `the run is ending (${code}); no further host calls are allowed` };
}

/** A JSON-encoded string, or undefined when the text is not one. */
function jsonString(text: string): string | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** An error reply: [`e<json>`], for the guest stub to turn into a thrown error. */
function errorReply(context: QuickJSContext, reply: ErrorReply): QuickJSHandle {
  return structuredReply(context, `e${JSON.stringify(reply)}`, []);
}

/** Only primitive strings are read: converting an object would run guest toString code from the host. */
function readString(context: QuickJSContext, handle: QuickJSHandle | undefined): string | undefined {
  if (handle === undefined || context.typeof(handle) !== 'string') return undefined;
  return wholeString(context, handle) ?? undefined;
}

/**
 * The guest string, or null when it could not be read whole: QuickJS hands strings out as C strings,
 * cut at the first NUL. The bootstrap sends such text as JSON; a raw one arriving here is refused,
 * never silently shortened. (A primitive string's `length` runs no guest code.)
 */
function wholeString(context: QuickJSContext, handle: QuickJSHandle): string | null {
  const text = context.getString(handle);
  const lengthHandle = context.getProp(handle, 'length');
  try {
    return context.getNumber(lengthHandle) === text.length ? text : null;
  } finally {
    lengthHandle.dispose();
  }
}

/** Extras are primitive strings or ArrayBuffers; bytes are copied out so the guest cannot change them later. */
function readExtras(context: QuickJSContext, handles: readonly QuickJSHandle[]): Extra[] {
  return handles.map((handle) => {
    const type = context.typeof(handle);
    if (type === 'string') {
      const text = wholeString(context, handle);
      if (text === null) throw new MarshalError('a string argument holds a NUL character outside JSON');
      return text;
    }
    if (type !== 'object') throw new MarshalError('malformed argument');
    let view;
    try {
      view = context.getArrayBuffer(handle);
    } catch {
      throw new MarshalError('malformed byte argument');
    }
    try {
      return view.value.slice();
    } finally {
      view.dispose();
    }
  });
}

function lookupTarget(host: HostApi, target: string): HostFunction | undefined {
  const dot = target.indexOf('.');
  if (dot <= 0) return undefined;
  const moduleName = target.slice(0, dot);
  const fnName = target.slice(dot + 1);
  // Own properties only: "toString" or "__proto__" must never resolve to something inherited.
  if (!Object.hasOwn(host, moduleName)) return undefined;
  const mod = host[moduleName];
  if (mod === undefined || !Object.hasOwn(mod, fnName)) return undefined;
  const fn = mod[fnName];
  return typeof fn === 'function' ? fn : undefined;
}

function replyHandle(context: QuickJSContext, encoded: EncodedValue): QuickJSHandle {
  if (encoded.kind === 'structured') return structuredReply(context, encoded.text, encoded.extras);
  const { value } = encoded;
  // A raw guest string is made from a C string, cut at the first NUL: such a result goes as JSON.
  if (typeof value === 'string') return value.includes('\0') ? structuredReply(context, `p${JSON.stringify(value)}`, []) : context.newString(value);
  if (typeof value === 'number') return context.newNumber(value);
  if (typeof value === 'boolean') return value ? context.true : context.false;
  return value === null ? context.null : context.undefined;
}

function structuredReply(context: QuickJSContext, text: string, extras: readonly Extra[]): QuickJSHandle {
  const array = context.newArray();
  try {
    // defineProp, not setProp: a guest setter on Array.prototype must not observe or redirect the reply.
    const put = (index: number, value: QuickJSHandle): void => {
      try {
        context.defineProp(array, index, { value, configurable: true, enumerable: true });
      } finally {
        value.dispose();
      }
    };
    put(0, context.newString(text));
    extras.forEach((extra, i) => {
      put(i + 1, typeof extra === 'string' ? context.newString(extra) : context.newArrayBuffer(ownedBuffer(extra)));
    });
    return array;
  } catch (err) {
    array.dispose();
    throw err;
  }
}

/** An ArrayBuffer holding exactly the view's bytes (no copy when the view already is the whole buffer). */
function ownedBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) return bytes.buffer;
  return bytes.slice().buffer;
}
