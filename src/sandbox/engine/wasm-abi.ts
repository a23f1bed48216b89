/**
 * The ABI of the exact QuickJS build we load (@jitl/quickjs-wasmfile-release-sync 0.32.0): its
 * minified import/export names and the slice of the WebAssembly JS API the loader uses. The loader
 * checks the module against these lists and refuses any other build.
 */

export const PINNED_VERSION = '0.32.0';
export const PAGE = 65536;
/** The module declares its imported memory with this minimum (16 MiB: data, C stack, initial heap). */
export const MIN_PAGES = 256;
export const MAX_WASM32_BYTES = 2 ** 31;

/** Minified export name -> C symbol, in the order the build emits them. */
export const EXPORTS: readonly (readonly [string, string])[] = [
  ['u', '__wasm_call_ctors'], ['v', '_malloc'], ['w', '_QTS_Throw'], ['x', '_QTS_NewError'],
  ['y', '_QTS_RuntimeSetMemoryLimit'], ['z', '_QTS_RuntimeComputeMemoryUsage'], ['A', '_QTS_RuntimeDumpMemoryUsage'],
  ['B', '_QTS_RecoverableLeakCheck'], ['C', '_QTS_BuildIsSanitizeLeak'], ['D', '_QTS_RuntimeSetMaxStackSize'],
  ['E', '_QTS_GetUndefined'], ['F', '_QTS_GetNull'], ['G', '_QTS_GetFalse'], ['H', '_QTS_GetTrue'],
  ['I', '_QTS_NewHostRef'], ['J', '_QTS_GetHostRefId'], ['K', '_QTS_NewRuntime'], ['L', '_QTS_FreeRuntime'],
  ['M', '_free'], ['N', '_QTS_NewContext'], ['O', '_QTS_FreeContext'], ['P', '_QTS_FreeValuePointer'],
  ['Q', '_QTS_FreeValuePointerRuntime'], ['R', '_QTS_FreeVoidPointer'], ['S', '_QTS_FreeCString'],
  ['T', '_QTS_DupValuePointer'], ['U', '_QTS_NewObject'], ['V', '_QTS_NewObjectProto'], ['W', '_QTS_NewArray'],
  ['X', '_QTS_NewArrayBuffer'], ['Y', '_QTS_NewFloat64'], ['Z', '_QTS_GetFloat64'], ['_', '_QTS_NewString'],
  ['$', '_QTS_GetString'], ['aa', '_QTS_GetArrayBuffer'], ['ba', '_QTS_GetArrayBufferLength'],
  ['ca', '_QTS_NewSymbol'], ['da', '_QTS_GetSymbolDescriptionOrKey'], ['ea', '_QTS_IsGlobalSymbol'],
  ['fa', '_QTS_IsJobPending'], ['ga', '_QTS_ExecutePendingJob'], ['ha', '_QTS_GetProp'],
  ['ia', '_QTS_GetPropNumber'], ['ja', '_QTS_SetProp'], ['ka', '_QTS_DefineProp'],
  ['la', '_QTS_GetOwnPropertyNames'], ['ma', '_QTS_Call'], ['na', '_QTS_ResolveException'], ['oa', '_QTS_Dump'],
  ['pa', '_QTS_Eval'], ['qa', '_QTS_GetModuleNamespace'], ['ra', '_QTS_Typeof'], ['sa', '_QTS_GetLength'],
  ['ta', '_QTS_IsEqual'], ['ua', '_QTS_GetGlobalObject'], ['va', '_QTS_NewPromiseCapability'],
  ['wa', '_QTS_PromiseState'], ['xa', '_QTS_PromiseResult'], ['ya', '_QTS_TestStringArg'],
  ['za', '_QTS_GetDebugLogEnabled'], ['Aa', '_QTS_SetDebugLogEnabled'], ['Ba', '_QTS_BuildIsDebug'],
  ['Ca', '_QTS_BuildIsAsyncify'], ['Da', '_QTS_NewFunction'], ['Ea', '_QTS_ArgvGetJSValueConstPointer'],
  ['Fa', '_QTS_RuntimeEnableInterruptHandler'], ['Ga', '_QTS_RuntimeDisableInterruptHandler'],
  ['Ha', '_QTS_RuntimeEnableModuleLoader'], ['Ia', '_QTS_RuntimeDisableModuleLoader'],
  ['Ja', '_QTS_bjson_encode'], ['Ka', '_QTS_bjson_decode'], ['La', '_emscripten_timeout'],
  ['Ma', 'stackRestore'], ['Na', 'stackAlloc'], ['Oa', 'stackSave'],
];
export const IMPORT_FUNCTIONS = 'bcdefghijklmnopqrst'.split('');

/** The slice of the WebAssembly JS API used here (the project's lib settings do not declare it). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(deltaPages: number): number;
}
interface WasmModuleDescriptor {
  readonly module?: string;
  readonly name: string;
  readonly kind: string;
}
export type WasmModule = object;
interface WasmApi {
  Module: (new (bytes: Uint8Array) => WasmModule) & {
    imports(m: WasmModule): WasmModuleDescriptor[];
    exports(m: WasmModule): WasmModuleDescriptor[];
  };
  Instance: new (m: WasmModule, imports: Record<string, Record<string, unknown>>) => { readonly exports: Record<string, unknown> };
  Memory: new (d: { initial: number; maximum: number }) => WasmMemory;
}
export const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

export type WasmFn = (...args: number[]) => unknown;
export type NumFn = (...args: number[]) => number;
