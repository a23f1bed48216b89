/**
 * Loads QuickJS (release-sync build) through quickjs-emscripten's own loader, so the Emscripten JS glue
 * (the sandbox's boundary to the host) is the library's maintained one, never ours.
 *
 * The `.wasm` is compiled once per process; every run instantiates it afresh with
 * its own capped `WebAssembly.Memory` (`newVariant(RELEASE_SYNC, { wasmMemory, emscriptenModule })`).
 * The only things added to the library's glue are documented Emscripten module options:
 * `instantiateWasm` (our precompiled module, instantiated synchronously), silent
 * `print`/`printErr` (the runner's stdout is a JSON contract, and an abort would otherwise be printed
 * to the host's stderr), a neutral `thisProgram`, an `onAbort` recorder, and a `postRun` hook that
 * guards the two module methods through which the library touches guest memory with a possibly-NULL
 * pointer (`_malloc`, `UTF8ToString`).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import {
  newQuickJSWASMModuleFromVariant,
  newVariant,
  RELEASE_SYNC,
  type CustomizeVariantOptions,
  type EmscriptenModuleLoaderOptions,
  type QuickJSWASMModule,
} from 'quickjs-emscripten';
import { SandboxError } from '../errors.js';
import { GuestMemoryError, newCappedMemory, newSignals, WA, type WasmMemory, type WasmModule, type WasmSignals } from './wasm-memory.js';

export interface LoadedQuickJS {
  readonly module: QuickJSWASMModule;
  readonly memory: WasmMemory;
  readonly maximumPages: number;
  readonly signals: WasmSignals;
}

let compiled: WasmModule | undefined;

/**
 * Compiles the QuickJS module once per process (a failed compile is retried by the next run).
 * Synchronously on purpose: V8's async `WebAssembly.compile` queues behind other modules' background
 * compilation (Cedar's tier-up in `writ run`: 140-190 ms measured), the lazy sync compile takes a few ms.
 */
export function compiledQuickJS(): WasmModule {
  if (compiled !== undefined) return compiled;
  const require = createRequire(import.meta.url);
  // The same file the variant's own loader would fetch: one package, pinned exactly in package.json.
  const bytes = readFileSync(require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm'));
  compiled = new WA.Module(bytes);
  return compiled;
}

/** Emscripten module options the library passes through verbatim (`CustomizeVariantOptions.emscriptenModule`). */
interface EmscriptenHooks extends EmscriptenModuleLoaderOptions {
  print(text: string): void;
  printErr(text: string): void;
  thisProgram: string;
  onAbort(what: unknown): void;
  postRun: ((module: unknown) => void)[];
}

const silent = (): void => undefined;

/**
 * A fresh QuickJS module in its own memory of `initialPages`..`maximumPages` 64 KiB pages. The memory
 * cannot grow past `maximumPages`; a refused growth sets `signals.growthRefused`.
 */
export async function instantiateQuickJS(initialPages: number, maximumPages: number): Promise<LoadedQuickJS> {
  const wasmModule = compiledQuickJS();
  const signals = newSignals();
  const memory = newCappedMemory(initialPages, maximumPages, signals);
  let guarded = false;
  const hooks: EmscriptenHooks = {
    // Emscripten's documented hook for a precompiled module. Instantiating synchronously here (rather
    // than newVariant's `wasmModule` option, which awaits WebAssembly.instantiate: three event-loop
    // turns) saves ~0.5 ms per run; the imports are still the library glue's own.
    instantiateWasm: (imports, onSuccess) => {
      const instance = new WA.Instance(wasmModule, imports);
      onSuccess(instance);
      return instance.exports;
    },
    // Nothing from the guest's C side may reach the host's stdout/stderr.
    print: silent,
    printErr: silent,
    // Emscripten puts this in the (fake) environment it builds; never the host's script path.
    thisProgram: 'sandbox',
    onAbort: (what) => {
      signals.aborted = String(what);
    },
    postRun: [(emscriptenModule) => {
      guarded = guardGuestPointers(emscriptenModule, signals);
    }],
  };
  const options: CustomizeVariantOptions = { wasmMemory: memory, emscriptenModule: hooks, log: silent };
  const module = await newQuickJSWASMModuleFromVariant(newVariant(RELEASE_SYNC, options));
  // Without the guards a full heap would let the library write host data through NULL: fail closed.
  if (!guarded) throw new SandboxError('WASM_LOAD', 'QuickJS module did not expose _malloc/UTF8ToString to guard');
  return { module, memory, maximumPages, signals };
}

type Malloc = (size: number) => number;
type Utf8ToString = (ptr: number, maxBytes?: number) => string;

/**
 * The library writes host data through the pointer `_malloc` returns and reads C strings QuickJS
 * returns; both are NULL when the guest heap is full. Raise GuestMemoryError instead of touching
 * address 0 (which would corrupt the guest's static data, and with it e.g. its denial registry).
 */
function guardGuestPointers(target: unknown, signals: WasmSignals): boolean {
  if (typeof target !== 'object' || target === null) return false;
  const em = target as { _malloc?: unknown; UTF8ToString?: unknown };
  const malloc = em._malloc;
  const utf8ToString = em.UTF8ToString;
  if (typeof malloc !== 'function' || typeof utf8ToString !== 'function') return false;
  const exhausted = (): never => {
    signals.hostAllocationFailed = true;
    throw new GuestMemoryError('the guest heap is exhausted');
  };
  const guardedMalloc: Malloc = (size) => {
    const ptr = (malloc as Malloc)(size);
    if (ptr === 0 && size > 0) exhausted();
    return ptr;
  };
  const guardedUtf8ToString: Utf8ToString = (ptr, maxBytes) => {
    // QuickJS returns a NULL string only when it could not allocate it: never report that as "".
    if (ptr === 0) exhausted();
    return (utf8ToString as Utf8ToString)(ptr, maxBytes);
  };
  em._malloc = guardedMalloc;
  em.UTF8ToString = guardedUtf8ToString;
  return true;
}
