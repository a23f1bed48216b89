/**
 * Synchronous loader for the QuickJS release-sync WebAssembly module.
 *
 * quickjs-emscripten's own loader (`newQuickJSWASMModuleFromVariant`) is asynchronous, but the engine's
 * contract is a synchronous `runInSandbox`, and every run needs a FRESH module with its own capped
 * `WebAssembly.Memory` (the only reliable memory cap). So we compile the `.wasm` once per process and
 * instantiate it per run with `new WebAssembly.Instance` (~0.8 ms instead of ~19 ms for a full module
 * load), supplying our own minimal replacement for the Emscripten JS glue (emscripten-glue.ts).
 *
 * The import/export names are the minified ones of this exact build, so the loader checks the package
 * version and the module's import/export lists and fails closed on any mismatch.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { QuickJSFFI } from '@jitl/quickjs-wasmfile-release-sync/ffi';
import { QuickJSWASMModule } from 'quickjs-emscripten';
import { SandboxError } from '../errors.js';
import { GlueModule, type WasmSignals } from './emscripten-glue.js';
import { EXPORTS, IMPORT_FUNCTIONS, MIN_PAGES, PINNED_VERSION, WA, type WasmMemory, type WasmModule } from './wasm-abi.js';

export { GuestMemoryError, type WasmSignals } from './emscripten-glue.js';
export { MIN_PAGES } from './wasm-abi.js';

export interface LoadedQuickJS {
  readonly module: QuickJSWASMModule;
  readonly memory: WasmMemory;
  readonly signals: WasmSignals;
}

let compiled: WasmModule | undefined;

/** Compiles the QuickJS module once per process (~3 ms with V8's lazy tiering); later calls reuse it. */
export function compiledQuickJS(): WasmModule {
  if (compiled !== undefined) return compiled;
  const require = createRequire(import.meta.url);
  const pkg = require('@jitl/quickjs-wasmfile-release-sync/package.json') as { version?: unknown };
  // The glue is written against this exact build's minified names; refuse any other version.
  if (pkg.version !== PINNED_VERSION) {
    throw new SandboxError('WASM_LOAD', `expected @jitl/quickjs-wasmfile-release-sync ${PINNED_VERSION}, found ${String(pkg.version)}`);
  }
  const bytes = readFileSync(require.resolve('@jitl/quickjs-wasmfile-release-sync/wasm'));
  const mod = new WA.Module(bytes);
  checkShape(mod);
  compiled = mod;
  return mod;
}

function checkShape(mod: WasmModule): void {
  const imports = WA.Module.imports(mod).map((d) => `${d.module ?? ''}.${d.name}:${d.kind}`).sort();
  const wantImports = [...IMPORT_FUNCTIONS.map((n) => `a.${n}:function`), 'a.a:memory'].sort();
  const exports = WA.Module.exports(mod).map((d) => `${d.name}:${d.kind}`).sort();
  const wantExports = EXPORTS.map(([n]) => `${n}:function`).sort();
  // A different binary under the same version would make the name table wrong: fail closed.
  if (imports.join() !== wantImports.join() || exports.join() !== wantExports.join()) {
    throw new SandboxError('WASM_LOAD', 'QuickJS WebAssembly module does not have the expected imports/exports');
  }
}

/**
 * A fresh QuickJS module in its own memory of `initialPages`..`maximumPages` 64 KiB pages. The memory
 * cannot grow past `maximumPages`; a refused growth makes malloc fail inside QuickJS and sets
 * `signals.memoryExhausted`.
 */
export function instantiateQuickJS(initialPages: number, maximumPages: number): LoadedQuickJS {
  const mod = compiledQuickJS();
  const memory = new WA.Memory({ initial: Math.max(initialPages, MIN_PAGES), maximum: maximumPages });
  const signals: WasmSignals = { memoryExhausted: false };
  const emModule = new GlueModule(memory, signals);
  const instance = new WA.Instance(mod, { a: emModule.imports() });
  emModule.attach(instance.exports);
  const ffi = new QuickJSFFI(emModule as unknown as ConstructorParameters<typeof QuickJSFFI>[0]);
  const module = new QuickJSWASMModule(
    emModule as unknown as ConstructorParameters<typeof QuickJSWASMModule>[0],
    ffi,
  );
  return { module, memory, signals };
}
