/**
 * Our replacement for the Emscripten JS glue of the QuickJS module: the object quickjs-emscripten
 * treats as "the Emscripten module" (exports, heap views, string helpers, cwrap) plus the import
 * functions the WebAssembly code calls. Deliberately smaller than Emscripten's: no environment
 * variables, no timers, no console output, UTC only, so the guest learns nothing of the host's env or
 * time zone, and every failed allocation is surfaced instead of read or written through NULL.
 */
import { SandboxError } from '../errors.js';
import { EXPORTS, MAX_WASM32_BYTES, PAGE, type NumFn, type WasmFn, type WasmMemory } from './wasm-abi.js';

/** The C-to-host callbacks quickjs-emscripten installs on the module object (`module.callbacks`). */
interface CToHostCallbacks {
  callFunction(asyncify: undefined, ...args: number[]): number;
  shouldInterrupt(asyncify: undefined, rt: number): number;
  loadModuleSource(asyncify: undefined, rt: number, ctx: number, name: string): number;
  normalizeModule(asyncify: undefined, rt: number, ctx: number, base: string, name: string): number;
  freeHostRef(asyncify: undefined, rt: number, id: number): void;
}

/** Why the WebAssembly side stopped: set by the glue, read by the engine. */
export interface WasmSignals {
  /** A `memory.grow` was refused at the run's cap, or a host-side allocation in guest memory failed. */
  memoryExhausted: boolean;
}

class WasmAbort extends Error {}

/**
 * A host-initiated allocation inside the guest's memory failed (malloc returned NULL, or QuickJS
 * returned no string). Thrown instead of letting the library read or write through a NULL pointer.
 */
export class GuestMemoryError extends Error {}

/** The object quickjs-emscripten treats as "the Emscripten module": exports, heap views, string helpers. */
export class GlueModule {
  readonly type = 'sync';
  callbacks: CToHostCallbacks | undefined;
  readonly #memory: WasmMemory;
  readonly #signals: WasmSignals;
  readonly #decoder = new TextDecoder();
  readonly #encoder = new TextEncoder();
  #u8: Uint8Array;
  [symbol: string]: unknown;

  constructor(memory: WasmMemory, signals: WasmSignals) {
    this.#memory = memory;
    this.#signals = signals;
    this.#u8 = new Uint8Array(memory.buffer);
  }

  /** Views are re-created whenever growth replaced the buffer (a detached view has length 0). */
  get HEAPU8(): Uint8Array {
    if (this.#u8.length === 0) this.#u8 = new Uint8Array(this.#memory.buffer);
    return this.#u8;
  }

  get HEAP8(): Int8Array {
    return new Int8Array(this.#memory.buffer);
  }

  attach(exports: Record<string, unknown>): void {
    for (const [minified, symbol] of EXPORTS) this[symbol] = exports[minified];
    const malloc = this.fn('_malloc');
    // The library writes host data through the pointer it gets: a NULL from a full heap must stop it.
    this._malloc = (size: number): number => {
      const ptr = malloc(size);
      if (ptr === 0 && size > 0) this.#outOfMemory();
      return ptr as number;
    };
    this.fn('__wasm_call_ctors')();
  }

  #outOfMemory(): never {
    this.#signals.memoryExhausted = true;
    throw new GuestMemoryError('the guest heap is exhausted');
  }

  fn(symbol: string): WasmFn {
    const f = this[symbol];
    if (typeof f !== 'function') throw new SandboxError('WASM_LOAD', `missing export ${symbol}`);
    return f as WasmFn;
  }

  UTF8ToString(ptr: number, maxBytes?: number): string {
    // QuickJS returns NULL only when it could not allocate the string: never report that as "".
    if (ptr === 0) this.#outOfMemory();
    const heap = this.HEAPU8;
    const limit = maxBytes === undefined ? heap.length : Math.min(heap.length, ptr + maxBytes);
    const nul = heap.indexOf(0, ptr);
    const end = nul === -1 || nul > limit ? limit : nul;
    // Short ASCII strings (names, tags, small replies) are the common case: skip TextDecoder's call cost.
    if (end - ptr <= 32) {
      let out = '';
      for (let i = ptr; i < end; i++) {
        const c = heap[i] ?? 0;
        if (c > 127) return this.#decoder.decode(heap.subarray(ptr, end));
        out += String.fromCharCode(c);
      }
      return out;
    }
    return this.#decoder.decode(heap.subarray(ptr, end));
  }

  lengthBytesUTF8(s: string): number {
    return Buffer.byteLength(s, 'utf8');
  }

  /** Writes at most `maxBytes - 1` bytes of UTF-8 plus a NUL, never splitting a character. */
  stringToUTF8(s: string, ptr: number, maxBytes: number): number {
    if (maxBytes <= 0) return 0;
    const heap = this.HEAPU8;
    const { written } = this.#encoder.encodeInto(s, heap.subarray(ptr, ptr + maxBytes - 1));
    heap[ptr + written] = 0;
    return written;
  }

  /** Emscripten's cwrap: direct export for numeric signatures, stack-marshalled strings otherwise. */
  cwrap(name: string, ret: string | null, argTypes: readonly string[]): WasmFn {
    const raw = this.fn(`_${name}`) as NumFn;
    if (ret !== 'string' && argTypes.every((t) => t === 'number' || t === 'boolean')) return raw;
    const stackSave = this.fn('stackSave') as () => number;
    const stackRestore = this.fn('stackRestore');
    const stackAlloc = this.fn('stackAlloc') as (n: number) => number;
    return (...args: unknown[]) => {
      const saved = stackSave();
      try {
        const converted = args.map((arg, i) => {
          if (argTypes[i] !== 'string' || typeof arg !== 'string') return Number(arg);
          const size = this.lengthBytesUTF8(arg) + 1;
          const ptr = stackAlloc(size);
          this.stringToUTF8(arg, ptr, size);
          return ptr;
        });
        const out = raw(...converted);
        if (ret === 'string') return this.UTF8ToString(out);
        return ret === 'boolean' ? out !== 0 : out;
      } finally {
        stackRestore(saved);
      }
    };
  }

  #cb(): CToHostCallbacks {
    if (this.callbacks === undefined) throw new WasmAbort('QuickJS called the host before callbacks were installed');
    return this.callbacks;
  }

  #i32(ptr: number, value: number): void {
    new DataView(this.#memory.buffer).setInt32(ptr, value, true);
  }

  /** Grows memory for malloc; refusal past the cap is how a run's memory is bounded. */
  #resizeHeap(requested: number): number {
    const requestedBytes = requested >>> 0;
    const current = this.#memory.buffer.byteLength;
    if (requestedBytes > MAX_WASM32_BYTES) return this.#refuseGrowth();
    // Grow by at least 1/8 of the current size (fewer grow calls), but never past the request's need by much.
    const target = Math.max(requestedBytes, Math.min(current + (current >>> 3), requestedBytes + 96 * 1024 * 1024));
    for (const bytes of [target, requestedBytes]) {
      const pages = Math.ceil((bytes - current) / PAGE);
      try {
        this.#memory.grow(pages);
        return 1;
      } catch {
        // Past the maximum: try the exact size next, then give up.
      }
    }
    return this.#refuseGrowth();
  }

  #refuseGrowth(): number {
    this.#signals.memoryExhausted = true;
    return 0;
  }

  /** struct tm for a time_t, always in UTC so the guest cannot read the host's time zone. */
  #localtime(time: bigint | number, tmPtr: number): void {
    const seconds = Number(time);
    const d = new Date(Number.isFinite(seconds) ? seconds * 1000 : NaN);
    const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
    const fields = [
      d.getUTCSeconds(), d.getUTCMinutes(), d.getUTCHours(), d.getUTCDate(), d.getUTCMonth(),
      d.getUTCFullYear() - 1900, d.getUTCDay(), Math.floor((d.getTime() - yearStart) / 86_400_000), 0, 0,
    ];
    fields.forEach((v, i) => { this.#i32(tmPtr + i * 4, Number.isFinite(v) ? v : 0); });
  }

  imports(): Record<string, unknown> {
    const abort = (what: string) => (): never => { throw new WasmAbort(`QuickJS aborted: ${what}`); };
    return {
      a: this.#memory,
      b: abort('assertion failed'),
      // fd_write: QuickJS diagnostics are dropped (never reach the host's stdout); report all bytes written.
      c: (_fd: number, iov: number, iovcnt: number, pnum: number): number => {
        const view = new DataView(this.#memory.buffer);
        let total = 0;
        for (let i = 0; i < iovcnt; i++) total += view.getUint32(iov + i * 8 + 4, true);
        view.setUint32(pnum, total, true);
        return 0;
      },
      d: (): number => 52, // fd_close: ENOSYS
      // environ_get / environ_sizes_get: the guest sees an empty environment, never the host's.
      e: (): number => 0,
      f: (countPtr: number, sizePtr: number): number => { this.#i32(countPtr, 0); this.#i32(sizePtr, 0); return 0; },
      g: (rt: number, ctx: number, base: number, name: number): number =>
        this.#cb().normalizeModule(undefined, rt, ctx, this.UTF8ToString(base), this.UTF8ToString(name)),
      h: (rt: number, ctx: number, name: number): number =>
        this.#cb().loadModuleSource(undefined, rt, ctx, this.UTF8ToString(name)),
      i: (rt: number): number => this.#cb().shouldInterrupt(undefined, rt),
      j: (): number => 0, // setitimer: no timers in the sandbox
      k: (requested: number): number => this.#resizeHeap(requested),
      l: (): void => undefined, // keepalive bookkeeping: nothing to do
      m: (time: bigint | number, tmPtr: number): void => { this.#localtime(time, tmPtr); },
      // tzset: UTC, no daylight saving.
      n: (timezonePtr: number, daylightPtr: number, stdName: number, dstName: number): void => {
        this.#i32(timezonePtr, 0);
        this.#i32(daylightPtr, 0);
        this.stringToUTF8('UTC', stdName, 17);
        this.stringToUTF8('UTC', dstName, 17);
      },
      o: (): number => 70, // fd_seek: ESPIPE
      p: (): number => Date.now(),
      q: abort('abort()'),
      r: abort('exit()'),
      s: (ctx: number, thisPtr: number, argc: number, argv: number, fnId: number): number =>
        this.#cb().callFunction(undefined, ctx, thisPtr, argc, argv, fnId),
      t: (rt: number, id: number): void => { this.#cb().freeHostRef(undefined, rt, id); },
    };
  }
}
