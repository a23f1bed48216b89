/**
 * The per-run WebAssembly memory: its page constants, the slice of the WebAssembly JS API the engine
 * uses (the project's lib settings do not declare it), and how a refused growth is noticed.
 *
 * The memory's `maximum` is the run's hard memory cap: QuickJS's own `setMemoryLimit` does not count
 * typed arrays, the WASM maximum bounds everything. Emscripten's glue grows the memory from JS
 * (`wasmMemory.grow`), so a refusal at the cap is seen here and reported through `WasmSignals`.
 */

export const PAGE_BYTES = 65536;
/** The QuickJS module declares its imported memory with this minimum (16 MiB: data, C stack, initial heap). */
export const MIN_PAGES = 256;
/** wasm32 cannot address more than 4 GiB; Emscripten's glue stops at 2 GiB (32768 pages). */
export const MAX_PAGES = 32768;

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(deltaPages: number): number;
}
export type WasmModule = object;
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Memory: new (descriptor: { initial: number; maximum: number }) => WasmMemory;
  Instance: new (module: WasmModule, imports: unknown) => { readonly exports: unknown };
  RuntimeError: new (message?: string) => Error;
}
export const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Why the WebAssembly side could not go on: set by the memory and the loader's guards, read by the engine. */
export interface WasmSignals {
  /** The last growth of the memory was refused at the cap (a later successful growth clears it). */
  growthRefused: boolean;
  /** A host-side allocation in guest memory failed (see GuestMemoryError). */
  hostAllocationFailed: boolean;
  /** Emscripten's abort reason (an assertion, abort(), OOM), once the instance aborted. */
  aborted: string | undefined;
}

export function newSignals(): WasmSignals {
  return { growthRefused: false, hostAllocationFailed: false, aborted: undefined };
}

/**
 * True once the guest heap is full. Polled by the interrupt handler, by host calls and after every
 * guest call; the run state keeps the first observation, so a later growth cannot undo the limit.
 */
export function heapExhausted(signals: WasmSignals): boolean {
  return signals.growthRefused || signals.hostAllocationFailed;
}

/**
 * A host-initiated allocation inside the guest's memory failed (malloc returned NULL, or QuickJS
 * returned no string). Thrown instead of letting the library read or write through a NULL pointer.
 */
export class GuestMemoryError extends Error {}

/** A memory of `initialPages`..`maximumPages` whose refused growths set `signals.growthRefused`. */
export function newCappedMemory(initialPages: number, maximumPages: number, signals: WasmSignals): WasmMemory {
  const memory = new WA.Memory({ initial: Math.max(initialPages, MIN_PAGES), maximum: maximumPages });
  const grow = memory.grow.bind(memory);
  // Emscripten retries a refused growth with smaller steps inside one resize call: only a growth that
  // stays refused (no later success) means the heap is full. The cap itself is V8's: the `maximum`.
  Object.defineProperty(memory, 'grow', {
    value: (deltaPages: number): number => {
      try {
        const previous = grow(deltaPages);
        signals.growthRefused = false;
        return previous;
      } catch (err) {
        signals.growthRefused = true;
        throw err;
      }
    },
  });
  return memory;
}

/** True when a failure of the instance is best explained by its memory being full. */
export function isMemoryFailure(err: unknown, memory: WasmMemory, maximumPages: number, signals: WasmSignals): boolean {
  if (heapExhausted(signals) || err instanceof GuestMemoryError) return true;
  const text = `${signals.aborted ?? ''} ${err instanceof Error ? err.message : ''}`;
  // Emscripten's aborting allocators and QuickJS's own report name the cause.
  if (/\bOOM\b|Cannot enlarge memory|out of memory/i.test(text)) return true;
  // A trap or abort (not a V8 stack overflow) with the memory within one growth step of its cap.
  const nearCap = memory.buffer.byteLength >= maximumPages * PAGE_BYTES * 0.8;
  return err instanceof WA.RuntimeError && nearCap;
}
