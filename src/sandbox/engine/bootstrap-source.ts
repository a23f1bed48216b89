/**
 * Guest-side bootstrap, evaluated once per run before the prelude and the script. It receives the two
 * raw bridge functions and keeps them in its closure (never on globalThis), installs `args`, `console`,
 * `log` and one stub object per host module, and returns privileged helpers that only the host holds.
 *
 * It captures every intrinsic it uses up front, so a script that later replaces JSON.stringify,
 * Array.prototype.push or Object.prototype.toJSON cannot change how the bootstrap behaves; descriptors
 * and records it builds have a null prototype for the same reason. Tampering could at most corrupt the
 * guest's own call arguments, which the host validates anyway.
 *
 * The host side of the wire format (tags, limits) is in marshal.ts; keep both in step.
 */
import { ARG_LIMITS, INLINE_STRING_MAX } from './marshal.js';

export const BOOTSTRAP_FILENAME = '<writ-bootstrap>';

export const BOOTSTRAP_SOURCE = `(function (hostCall, hostWrite, argsJson, specJson) {
'use strict';
const G = globalThis, O = Object, R = Reflect;
const apply = R.apply, defineProperty = O.defineProperty, freeze = O.freeze, keys = O.keys;
const getPrototypeOf = O.getPrototypeOf, getOwnPropertyDescriptor = O.getOwnPropertyDescriptor;
const stringify = JSON.stringify, parse = JSON.parse, isArray = Array.isArray, StringC = String;
const ErrorC = Error, TypeErrorC = TypeError, U8 = Uint8Array, ObjectProto = O.prototype;
const isView = ArrayBuffer.isView, strSlice = String.prototype.slice, strIndexOf = String.prototype.indexOf;
const symToString = Symbol.prototype.toString, fnToString = Function.prototype.toString;
const dateToISO = Date.prototype.toISOString, regexpToString = RegExp.prototype.toString;
const mapForEach = Map.prototype.forEach, setForEach = Set.prototype.forEach;
const denials = new WeakMap(), wmGet = WeakMap.prototype.get, wmSet = WeakMap.prototype.set;
const getter = (proto, name) => getOwnPropertyDescriptor(proto, name).get;
const TA = getPrototypeOf(U8.prototype);
const taBuffer = getter(TA, 'buffer'), taOffset = getter(TA, 'byteOffset'), taLength = getter(TA, 'byteLength');
const taTag = getter(TA, Symbol.toStringTag), u8Set = TA.set;
const dvBuffer = getter(DataView.prototype, 'buffer'), dvOffset = getter(DataView.prototype, 'byteOffset');
const dvLength = getter(DataView.prototype, 'byteLength'), abLength = getter(ArrayBuffer.prototype, 'byteLength');
const mapSize = getter(Map.prototype, 'size'), setSize = getter(Set.prototype, 'size');
const MAX_DEPTH = ${ARG_LIMITS.maxDepth}, MAX_NODES = ${ARG_LIMITS.maxNodes}, MAX_TEXT = ${ARG_LIMITS.maxTextLength};
const INLINE_MAX = ${INLINE_STRING_MAX};

const desc = (value) => ({ __proto__: null, value, writable: true, enumerable: true, configurable: true });
const fixed = (value, enumerable) => ({ __proto__: null, value, writable: false, enumerable, configurable: false });
// QuickJS hands strings to the host as C strings, cut at the first NUL: such text crosses as JSON.
const hasNul = (s) => apply(strIndexOf, s, ['\\u0000']) >= 0;
const tryCall = (fn, self) => { try { return apply(fn, self, []); } catch { return undefined; } };
const isArrayBuffer = (v) => tryCall(abLength, v) !== undefined;

function copyBytes(v) {
  let buffer = v, offset = 0, length = tryCall(abLength, v);
  if (length === undefined) {
    buffer = tryCall(taBuffer, v);
    if (buffer !== undefined) { offset = apply(taOffset, v, []); length = apply(taLength, v, []); }
    else { buffer = apply(dvBuffer, v, []); offset = apply(dvOffset, v, []); length = apply(dvLength, v, []); }
  }
  const out = new U8(length);
  apply(u8Set, out, [new U8(buffer, offset, length)]);
  return apply(taBuffer, out, []);
}

function extra(st, tag, value) {
  const i = st.extras.length;
  defineProperty(st.extras, i, desc(value));
  return '["' + tag + '",' + i + ']';
}

function enc(v, st, depth) {
  if (depth > MAX_DEPTH) throw new TypeErrorC('argument is nested too deeply (or cyclic)');
  if (++st.nodes > MAX_NODES) throw new TypeErrorC('argument has too many elements');
  switch (typeof v) {
    case 'string':
      if (v.length > INLINE_MAX) return hasNul(v) ? extra(st, 'z', stringify(v)) : extra(st, 's', v);
      st.size += v.length;
      if (st.size > MAX_TEXT) throw new TypeErrorC('argument is too large');
      return stringify(v);
    case 'number':
      if (v !== v) return '["n","NaN"]';
      if (v === 1 / 0) return '["n","Infinity"]';
      if (v === -1 / 0) return '["n","-Infinity"]';
      if (v === 0 && 1 / v < 0) return '["n","-0"]';
      return StringC(v);
    case 'boolean': return v ? 'true' : 'false';
    case 'undefined': return '["u"]';
    case 'object': break;
    default: throw new TypeErrorC('a ' + typeof v + ' cannot be passed to a host function');
  }
  if (v === null) return 'null';
  if (isView(v) || isArrayBuffer(v)) return extra(st, 'b', copyBytes(v));
  if (isArray(v)) {
    const len = v.length;
    if (typeof len !== 'number' || len > MAX_NODES) throw new TypeErrorC('argument has too many elements');
    let s = '["a"';
    for (let i = 0; i < len; i++) s += ',' + enc(v[i], st, depth + 1);
    return s + ']';
  }
  const proto = getPrototypeOf(v);
  if (proto !== ObjectProto && proto !== null) {
    throw new TypeErrorC('only plain objects, arrays, strings, numbers, booleans, null, undefined and byte arrays can be passed to a host function');
  }
  const ks = keys(v);
  let s = '["o"';
  for (let i = 0; i < ks.length; i++) { const k = ks[i]; st.size += k.length; s += ',' + stringify(k) + ',' + enc(v[k], st, depth + 1); }
  return s + ']';
}

function revive(n, reply) {
  if (n === null || typeof n !== 'object') return n;
  const tag = n[0];
  if (tag === 'a') { const out = []; for (let i = 1; i < n.length; i++) defineProperty(out, i - 1, desc(revive(n[i], reply))); return out; }
  if (tag === 'o') { const out = {}; for (let i = 1; i < n.length; i += 2) defineProperty(out, n[i], desc(revive(n[i + 1], reply))); return out; }
  if (tag === 's') return reply[n[1] + 1];
  if (tag === 'z') return parse(reply[n[1] + 1]);
  if (tag === 'b') return new U8(reply[n[1] + 1]);
  if (tag === 'u') return undefined;
  const name = n[1];
  return name === 'NaN' ? NaN : name === 'Infinity' ? 1 / 0 : name === '-Infinity' ? -1 / 0 : -0;
}

function makeError(info) {
  if (info.kind === 'type') return new TypeErrorC(info.message);
  const e = new ErrorC(info.message);
  if (info.kind === 'denied') {
    defineProperty(e, 'name', fixed('AccessDenied', false));
    defineProperty(e, 'code', fixed('ACCESS_DENIED', true));
    defineProperty(e, 'action', fixed(info.action, true));
    defineProperty(e, 'resource', fixed(info.resource, true));
    apply(wmSet, denials, [e, freeze({ __proto__: null, action: info.action, resource: info.resource, message: info.message })]);
  } else {
    defineProperty(e, 'name', fixed(info.kind === 'sdk' ? 'SdkError' : 'RunAborted', false));
    defineProperty(e, 'code', fixed(info.code, true));
  }
  return e;
}

function decodeReply(reply) {
  if (reply === null || typeof reply !== 'object') return reply;
  const text = reply[0];
  const kind = text[0], body = apply(strSlice, text, [1]);
  if (kind === 'p') return parse(body);
  if (kind === 't') return revive(parse(body), reply);
  throw makeError(parse(body));
}

function describe(e) {
  try { return typeof e === 'object' && e !== null ? StringC(e.name) + ': ' + StringC(e.message) : StringC(e); }
  catch { return 'unreadable value'; }
}

function stub(moduleName, fnName) {
  const target = moduleName + '.' + fnName;
  const f = function (...args) {
    const st = { __proto__: null, nodes: 0, size: 0, extras: [] };
    let text = '["a"';
    try {
      for (let i = 0; i < args.length; i++) text += ',' + enc(args[i], st, 1);
    } catch (e) {
      // A fresh TypeError whose stack starts at the call site, not deep inside the encoder.
      throw new TypeErrorC(e instanceof TypeErrorC ? target + ': ' + e.message : 'cannot pass argument to ' + target + ': ' + describe(e));
    }
    const callArgs = [target, text + ']'];
    for (let i = 0; i < st.extras.length; i++) defineProperty(callArgs, 2 + i, desc(st.extras[i]));
    return decodeReply(apply(hostCall, undefined, callArgs));
  };
  defineProperty(f, 'name', { __proto__: null, value: fnName });
  return f;
}

function inspect(v, depth, seen) {
  switch (typeof v) {
    case 'string': return depth === 0 ? v : stringify(v);
    case 'number': return v === 0 && 1 / v < 0 ? '-0' : StringC(v);
    case 'bigint': return StringC(v) + 'n';
    case 'symbol': return apply(symToString, v, []);
    case 'undefined': case 'boolean': return StringC(v);
    case 'function': {
      const src = tryCall(fnToString, v);
      const kind = typeof src === 'string' && apply(strSlice, src, [0, 5]) === 'class' ? 'class' : 'Function';
      return '[' + kind + (v.name ? ': ' + StringC(v.name) : ' (anonymous)') + ']';
    }
  }
  if (v === null) return 'null';
  for (let i = 0; i < seen.length; i++) if (seen[i] === v) return '[Circular]';
  if (v instanceof ErrorC) { const stack = v.stack; return describe(v) + (typeof stack === 'string' && stack ? '\\n' + stack : ''); }
  const iso = tryCall(dateToISO, v); if (iso !== undefined) return iso;
  const re = tryCall(regexpToString, v); if (re !== undefined && v instanceof RegExp) return re;
  if (depth > 2) return isArray(v) ? '[Array]' : '[Object]';
  const inner = [...seen, v], parts = [];
  const add = (s) => { parts[parts.length] = s; };
  const tag = tryCall(taTag, v);
  if (tag !== undefined) {
    const n = v.length;
    for (let i = 0; i < n && i < 100; i++) add(inspect(v[i], depth + 1, inner));
    if (n > 100) add('... ' + (n - 100) + ' more items');
    return tag + '(' + n + ') [' + (parts.length ? ' ' + parts.join(', ') + ' ' : '') + ']';
  }
  const mapN = tryCall(mapSize, v);
  if (mapN !== undefined) {
    apply(mapForEach, v, [(val, key) => { if (parts.length < 100) add(inspect(key, depth + 1, inner) + ' => ' + inspect(val, depth + 1, inner)); }]);
    return 'Map(' + mapN + ') {' + (parts.length ? ' ' + parts.join(', ') + ' ' : '') + '}';
  }
  const setN = tryCall(setSize, v);
  if (setN !== undefined) {
    apply(setForEach, v, [(val) => { if (parts.length < 100) add(inspect(val, depth + 1, inner)); }]);
    return 'Set(' + setN + ') {' + (parts.length ? ' ' + parts.join(', ') + ' ' : '') + '}';
  }
  if (isArray(v)) {
    const n = v.length;
    for (let i = 0; i < n && i < 100; i++) add(inspect(v[i], depth + 1, inner));
    if (n > 100) add('... ' + (n - 100) + ' more items');
    return parts.length ? '[ ' + parts.join(', ') + ' ]' : '[]';
  }
  const ks = keys(v);
  for (let i = 0; i < ks.length && i < 100; i++) {
    const k = ks[i];
    add((/^[A-Za-z_$][\\w$]*$/.test(k) ? k : stringify(k)) + ': ' + inspect(v[k], depth + 1, inner));
  }
  if (ks.length > 100) add('... ' + (ks.length - 100) + ' more properties');
  const proto = getPrototypeOf(v);
  const ctor = proto && proto !== ObjectProto && typeof proto.constructor === 'function' ? StringC(proto.constructor.name) + ' ' : '';
  return ctor + (parts.length ? '{ ' + parts.join(', ') + ' }' : '{}');
}

function format(values) {
  let s = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) s += ' ';
    try { s += inspect(values[i], 0, []); } catch { s += '[unprintable ' + typeof values[i] + ']'; }
  }
  return s;
}

const emit = (kind, values, suffix) => {
  const text = format(values) + suffix;
  decodeReply(apply(hostWrite, undefined, hasNul(text) ? ['j' + kind, stringify(text)] : [kind, text]));
};
const consoleObj = {}, logObj = {};
const consoleKinds = { __proto__: null, log: 'o', info: 'o', warn: 'o', error: 'o', debug: 'o' };
const logKinds = { __proto__: null, debug: 'd', info: 'i', warn: 'w', error: 'e' };
for (const name of keys(consoleKinds)) defineProperty(consoleObj, name, desc({ [name]: (...v) => { emit('o', v, '\\n'); } }[name]));
for (const name of keys(logKinds)) defineProperty(logObj, name, desc({ [name]: (...v) => { emit(logKinds[name], v, ''); } }[name]));

function deepFreeze(v) {
  if (v !== null && typeof v === 'object') { const ks = keys(v); for (let i = 0; i < ks.length; i++) deepFreeze(v[ks[i]]); freeze(v); }
  return v;
}

const spec = parse(specJson), modules = { __proto__: null };
for (const moduleName of keys(spec)) {
  const m = {}, fns = spec[moduleName];
  for (let i = 0; i < fns.length; i++) defineProperty(m, fns[i], desc(stub(moduleName, fns[i])));
  modules[moduleName] = m;
}
const globals = { __proto__: null, args: deepFreeze(parse(argsJson)), console: consoleObj, log: logObj };
for (const name of keys(modules)) globals[name] = modules[name];
for (const name of keys(globals)) defineProperty(G, name, { __proto__: null, value: globals[name], writable: true, enumerable: false, configurable: true });
// QuickJS's non-standard InternalError (stack overflow, out of memory, string too long) is presented as
// the RangeError V8 would throw for the same conditions, and its global constructor is removed.
const IE = G.InternalError;
if (typeof IE === 'function') {
  O.setPrototypeOf(IE.prototype, RangeError.prototype);
  defineProperty(IE.prototype, 'name', { __proto__: null, value: 'RangeError', writable: true, enumerable: false, configurable: true });
}
delete G.InternalError;

return freeze({
  __proto__: null,
  // After the prelude: host modules, console and log become frozen and the globals read-only. They stay
  // configurable so a script may shadow them with its own \`let log = ...\` (a non-configurable global
  // would make that declaration a SyntaxError); that only changes the script's own view.
  seal() {
    for (const name of keys(globals)) {
      const current = G[name];
      if (name !== 'args' && current !== null && typeof current === 'object') freeze(current);
      defineProperty(G, name, { __proto__: null, value: current, writable: false, enumerable: false, configurable: true });
    }
  },
  get(o, k) { return o[k]; },
  serializeResult(v) {
    if (v === undefined) return 'u';
    let s;
    try { s = stringify(v); } catch (e) { return 'x' + describe(e); }
    return typeof s === 'string' ? 'j' + s : 'x' + 'a ' + typeof v + ' is not JSON-serializable';
  },
  describeError(e) {
    const d = apply(wmGet, denials, [e]);
    const isObject = e !== null && (typeof e === 'object' || typeof e === 'function');
    let name = '', message = '', stack = '';
    if (isObject) {
      try { name = StringC(e.name); } catch { name = 'Error'; }
      try { message = StringC(e.message); } catch { message = ''; }
      try { const s = e.stack; stack = typeof s === 'string' ? s : ''; } catch { stack = ''; }
    } else {
      message = describe(e);
    }
    return stringify({ __proto__: null, isObject, name, message, stack,
      denial: d === undefined ? null : { __proto__: null, action: d.action, resource: d.resource, message: d.message } });
  },
});
})`;
