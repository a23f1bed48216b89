/**
 * One guest session: a QuickJS runtime + context in a fresh WASM module, limits applied, bootstrap and
 * prelude installed. Exposes the few guest operations the evaluator needs, each returning either a
 * value or an error handle. Every handle it hands out is tracked by `scope` and freed in `dispose`.
 */
import { Scope, type QuickJSContext, type QuickJSHandle, type QuickJSRuntime } from 'quickjs-emscripten';
import type { JsonObject } from '../../core/json.js';
import { SandboxError } from '../errors.js';
import type { HostApi } from '../host-api.js';
import { BOOTSTRAP_FILENAME, BOOTSTRAP_SOURCE } from './bootstrap-source.js';
import { ENGINE_GLOBALS, STANDARD_GLOBALS } from './guest-globals.js';
import { createBridge } from './host-bridge.js';
import type { OutputSink } from './output.js';
import type { RunState } from './run-state.js';
import type { LoadedQuickJS } from './wasm-loader.js';
import { heapExhausted } from './wasm-memory.js';

/** Guest recursion limit (bytes of QuickJS C stack). Measured so QuickJS throws its catchable
 * "stack overflow" well before V8's own stack (which also carries the host's frames) runs out. */
export const GUEST_STACK_BYTES = 192 * 1024;

export type GuestResult = { readonly value: QuickJSHandle; readonly error?: undefined } | { readonly error: QuickJSHandle; readonly value?: undefined };

interface Helpers {
  readonly seal: QuickJSHandle;
  readonly get: QuickJSHandle;
  readonly serializeResult: QuickJSHandle;
  readonly describeError: QuickJSHandle;
}

export interface SessionConfig {
  readonly loaded: LoadedQuickJS;
  readonly memoryMiB: number;
  readonly host: HostApi;
  /** hostSpec(host), computed (and validated) before the run starts. */
  readonly spec: Readonly<Record<string, readonly string[]>>;
  readonly args: JsonObject;
  readonly state: RunState;
  readonly sink: OutputSink;
}

export class GuestSession {
  readonly runtime: QuickJSRuntime;
  readonly context: QuickJSContext;
  readonly #scope = new Scope();
  readonly #config: SessionConfig;
  #helpers: Helpers | undefined;

  constructor(config: SessionConfig) {
    this.#config = config;
    const { loaded, memoryMiB, state } = config;
    this.runtime = loaded.module.newRuntime();
    // setMemoryLimit bounds QuickJS's own allocations; the capped WASM memory bounds everything else.
    this.runtime.setMemoryLimit(memoryMiB * 1024 * 1024);
    // Without a stack limit deep guest recursion would overflow the host's (V8's) stack instead.
    this.runtime.setMaxStackSize(GUEST_STACK_BYTES);
    // Polled by QuickJS during execution: the only way to stop a busy guest.
    this.runtime.setInterruptHandler(() => {
      if (heapExhausted(loaded.signals)) state.memoryExhausted(memoryMiB);
      return state.shouldStop();
    });
    // No module may ever be loaded: not from disk, not from the host, not by name.
    this.runtime.setModuleLoader((name) => ({ error: new Error(`imports are not available in the sandbox: '${name}'`) }));
    this.context = this.runtime.newContext();
  }

  manage(handle: QuickJSHandle): QuickJSHandle {
    return this.#scope.manage(handle);
  }

  /** Installs args/console/log/host stubs, runs the prelude, then freezes the API surface. */
  install(prelude: string | undefined): GuestResult | undefined {
    const { context } = this;
    const { host, spec, args, state, sink } = this.#config;
    const compiled = context.evalCode(BOOTSTRAP_SOURCE, BOOTSTRAP_FILENAME, { type: 'global', strict: true });
    if (compiled.error !== undefined) {
      compiled.error.dispose();
      throw new SandboxError('BOOTSTRAP', 'sandbox bootstrap failed to compile');
    }
    const factory = this.manage(compiled.value);
    const bridge = createBridge({ context, host, state, sink, memoryMiB: this.#config.memoryMiB });
    const callArgs = [
      this.manage(bridge.hostCall),
      this.manage(bridge.hostWrite),
      this.manage(context.newString(JSON.stringify(args))),
      this.manage(context.newString(JSON.stringify(spec))),
    ];
    const made = this.call(factory, ...callArgs);
    if (made.error !== undefined) return made;
    const helpers = this.manage(made.value);
    // The helpers object is a frozen null-prototype record made by the bootstrap: reading it runs no guest code.
    const get = (name: string): QuickJSHandle => this.manage(context.getProp(helpers, name));
    this.#helpers = { seal: get('seal'), get: get('get'), serializeResult: get('serializeResult'), describeError: get('describeError') };
    if (prelude !== undefined && prelude !== '') {
      const ran = context.evalCode(prelude, '<writ-prelude>', { type: 'global' });
      if (ran.error !== undefined) return { error: this.manage(ran.error) };
      ran.value.dispose();
    }
    return this.#callHelper('seal');
  }

  /** Calls a guest function with `undefined` as `this`; the result handle is tracked by the session. */
  call(fn: QuickJSHandle, ...args: QuickJSHandle[]): GuestResult {
    const r = this.context.callFunction(fn, this.context.undefined, ...args);
    return r.error !== undefined ? { error: this.manage(r.error) } : { value: this.manage(r.value) };
  }

  /** `object[key]` evaluated in the guest (getters and exotic objects run there, under the interrupt handler). */
  getProperty(object: QuickJSHandle, key: string): GuestResult {
    return this.#callHelper('get', object, this.manage(this.context.newString(key)));
  }

  /** Guest JSON.stringify of a value: 'u' (undefined), 'j<json>' or 'x<reason>'; runs under the interrupt handler. */
  serialize(value: QuickJSHandle): GuestResult {
    return this.#callHelper('serializeResult', value);
  }

  /** JSON description of a thrown value (see classify.ts GuestError), or undefined if that failed too. */
  describe(thrown: QuickJSHandle): string | undefined {
    const r = this.#callHelper('describeError', thrown);
    return r.value !== undefined ? this.readString(r.value) : undefined;
  }

  /** Reads a primitive string; never converts objects (that would run guest code from the host). */
  readString(handle: QuickJSHandle): string | undefined {
    return this.context.typeof(handle) === 'string' ? this.context.getString(handle) : undefined;
  }

  #callHelper(name: keyof Helpers, ...args: QuickJSHandle[]): GuestResult {
    const helpers = this.#helpers;
    if (helpers === undefined) throw new SandboxError('BOOTSTRAP', 'sandbox helpers are not installed');
    return this.call(helpers[name], ...args);
  }

  /** Frees every tracked handle, then the context and the runtime. */
  dispose(): void {
    try {
      this.#scope.dispose();
    } finally {
      try {
        this.context.dispose();
      } finally {
        this.runtime.dispose();
      }
    }
  }
}

/** `{ fs: ['read', ...], ... }` for the bootstrap; throws SandboxError if the host API's shape is unusable. */
export function hostSpec(host: HostApi): Record<string, string[]> {
  const spec: Record<string, string[]> = {};
  for (const [moduleName, mod] of Object.entries(host)) {
    // Module names become guest globals: they must not shadow built-ins or the engine's own globals.
    if (RESERVED_GLOBALS.has(moduleName) || !IDENTIFIER.test(moduleName)) {
      throw new SandboxError('INVALID_OPTIONS', `host module name not allowed: ${moduleName}`);
    }
    spec[moduleName] = Object.keys(mod).filter((k) => typeof mod[k] === 'function' && IDENTIFIER.test(k));
  }
  return spec;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const RESERVED_GLOBALS = new Set([...STANDARD_GLOBALS, ...ENGINE_GLOBALS, 'InternalError']);
