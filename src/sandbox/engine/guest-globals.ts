/**
 * The global names a guest sees, besides the host modules. QuickJS's own globals are the standard
 * ECMAScript built-ins (plus Annex B escape/unescape); the engine removes QuickJS's non-standard
 * `InternalError` constructor and adds `args`, `console` and `log`. Tests assert this exact list, so
 * a QuickJS upgrade that adds a global fails loudly instead of silently widening the guest's surface.
 */
export const STANDARD_GLOBALS: readonly string[] = Object.freeze([
  'AggregateError', 'Array', 'ArrayBuffer', 'BigInt', 'BigInt64Array', 'BigUint64Array', 'Boolean', 'DataView',
  'Date', 'Error', 'EvalError', 'FinalizationRegistry', 'Float16Array', 'Float32Array', 'Float64Array', 'Function',
  'Infinity', 'Int16Array', 'Int32Array', 'Int8Array', 'Iterator', 'JSON', 'Map', 'Math', 'NaN', 'Number', 'Object',
  'Promise', 'Proxy', 'RangeError', 'ReferenceError', 'Reflect', 'RegExp', 'Set', 'SharedArrayBuffer', 'String',
  'Symbol', 'SyntaxError', 'TypeError', 'URIError', 'Uint16Array', 'Uint32Array', 'Uint8Array', 'Uint8ClampedArray',
  'WeakMap', 'WeakRef', 'WeakSet', 'decodeURI', 'decodeURIComponent', 'encodeURI', 'encodeURIComponent', 'escape',
  'eval', 'globalThis', 'isFinite', 'isNaN', 'parseFloat', 'parseInt', 'undefined', 'unescape',
]);

/** Globals the engine itself installs. */
export const ENGINE_GLOBALS: readonly string[] = Object.freeze(['args', 'console', 'log']);
