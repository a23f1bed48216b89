/**
 * The wire format between the guest-side stubs (bootstrap) and the host bridge. Values cross as JSON
 * text plus a list of "extras" (long strings and byte buffers, passed as separate guest values so
 * they are copied once instead of being quoted, concatenated and re-parsed), never as guest objects,
 * so a host function can only ever see plain data. Tags:
 *   - primitives: JSON string (short), finite number, boolean, null
 *   - `["a", ...items]` array, `["o", k1, v1, ...]` plain object,
 *   - `["s", i]` long string (extras[i]), `["b", i]` bytes (extras[i]),
 *   - `["u"]` undefined, `["n", "NaN" | "Infinity" | "-Infinity" | "-0"]` non-JSON numbers.
 * Host results that are primitives go back as guest primitives; structures as `p<json>` (plain JSON,
 * parsed by the guest without a reviving walk) or `t<json>` (tagged) plus extras.
 */
import type { HostValue } from '../host-api.js';

/** Strings longer than this travel as extras rather than inside the JSON text (guest and host agree). */
export const INLINE_STRING_MAX = 256;

/** Bounds on what a guest may pass in one call (the guest-side encoder enforces the same ones first). */
export const ARG_LIMITS = Object.freeze({
  /** Nesting depth: also what stops cyclic structures. */
  maxDepth: 64,
  /** Arrays + objects + primitives in one call's arguments. */
  maxNodes: 200_000,
  /** Length of the encoded JSON text, in UTF-16 code units. */
  maxTextLength: 32 * 1024 * 1024,
});

/** Bad argument shape: reported to the guest as a TypeError. */
export class MarshalError extends Error {}

export type Extra = string | Uint8Array;

/** Decodes the tagged argument list the guest stub sent. Throws MarshalError on anything unexpected. */
export function decodeArgs(text: string, extras: readonly Extra[]): HostValue[] {
  // The text comes from guest code; bound it before parsing so a forged call cannot make the host parse gigabytes.
  if (text.length > ARG_LIMITS.maxTextLength) throw new MarshalError('arguments are too large');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new MarshalError('arguments are not well-formed');
  }
  const budget = { nodes: 0 };
  const top = decodeNode(parsed, extras, 0, budget);
  if (!Array.isArray(top)) throw new MarshalError('arguments must be a list');
  return top as HostValue[];
}

function decodeNode(node: unknown, extras: readonly Extra[], depth: number, budget: { nodes: number }): HostValue {
  // Depth and node bounds keep decoding linear and stack-safe whatever the guest sent.
  if (depth > ARG_LIMITS.maxDepth + 1) throw new MarshalError('arguments are nested too deeply');
  if (++budget.nodes > ARG_LIMITS.maxNodes) throw new MarshalError('arguments have too many elements');
  if (node === null || typeof node === 'string' || typeof node === 'boolean') return node;
  if (typeof node === 'number') return node;
  if (!Array.isArray(node) || node.length === 0) throw new MarshalError('malformed argument');
  const items = node as unknown[];
  const tag = items[0];
  switch (tag) {
    case 'u':
      return undefined;
    case 'n':
      return decodeSpecialNumber(items[1]);
    case 'z': {
      // A long string with NUL characters, sent as JSON text by the guest (raw, it would be cut short).
      const index = items[1];
      const extra = typeof index === 'number' && Number.isInteger(index) ? extras[index] : undefined;
      if (typeof extra !== 'string') throw new MarshalError('malformed argument');
      let decoded: unknown;
      try {
        decoded = JSON.parse(extra);
      } catch {
        throw new MarshalError('malformed argument');
      }
      if (typeof decoded !== 'string') throw new MarshalError('malformed argument');
      return decoded;
    }
    case 's':
    case 'b': {
      const index = items[1];
      const extra = typeof index === 'number' && Number.isInteger(index) ? extras[index] : undefined;
      // The tag must match what actually arrived: a string where bytes were announced is malformed.
      if (tag === 's' ? typeof extra !== 'string' : !(extra instanceof Uint8Array)) throw new MarshalError('malformed argument');
      return extra;
    }
    case 'a': {
      const out: HostValue[] = [];
      for (let i = 1; i < items.length; i++) out.push(decodeNode(items[i], extras, depth + 1, budget));
      return out;
    }
    case 'o': {
      if (items.length % 2 !== 1) throw new MarshalError('malformed object argument');
      const out: Record<string, HostValue> = {};
      for (let i = 1; i < items.length; i += 2) {
        const key = items[i];
        if (typeof key !== 'string') throw new MarshalError('malformed object key');
        // defineProperty, not assignment: a "__proto__" key must stay an own data property, never a prototype.
        Object.defineProperty(out, key, {
          value: decodeNode(items[i + 1], extras, depth + 1, budget),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    default:
      throw new MarshalError('malformed argument tag');
  }
}

function decodeSpecialNumber(name: unknown): number {
  switch (name) {
    case 'NaN':
      return Number.NaN;
    case 'Infinity':
      return Number.POSITIVE_INFINITY;
    case '-Infinity':
      return Number.NEGATIVE_INFINITY;
    case '-0':
      return -0;
    default:
      throw new MarshalError('malformed number argument');
  }
}

export type EncodedValue =
  | { readonly kind: 'primitive'; readonly value: string | number | boolean | null | undefined }
  /** `text` is `p<json>` (plain JSON) or `t<json>` (tagged, referring to `extras`). */
  | { readonly kind: 'structured'; readonly text: string; readonly extras: readonly Extra[] };

/** Host value that is not plain data: a bug in a host function, reported as HOST_ERROR. */
export class HostValueError extends Error {}

const HOST_MAX_DEPTH = 128;

/** Encodes a host function's return value for the guest. Throws HostValueError if it is not plain data. */
export function encodeResult(value: HostValue): EncodedValue {
  if (value === null || value === undefined || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return { kind: 'primitive', value };
  }
  if (isPlainJson(value, 0)) return { kind: 'structured', text: `p${JSON.stringify(value)}`, extras: [] };
  const extras: Extra[] = [];
  return { kind: 'structured', text: `t${JSON.stringify(tag(value, extras, 0))}`, extras };
}

/** Characters/bytes an encoded value occupies, to refuse replies that cannot fit in the guest. */
export function encodedSize(encoded: EncodedValue): number {
  if (encoded.kind === 'primitive') return typeof encoded.value === 'string' ? encoded.value.length : 8;
  return encoded.extras.reduce((n, e) => n + (typeof e === 'string' ? e.length : e.byteLength), encoded.text.length);
}

function isPlainJson(value: HostValue, depth: number): boolean {
  // Depth bound: a cyclic host value would otherwise recurse forever.
  if (depth > HOST_MAX_DEPTH) throw new HostValueError('host value nested too deeply (cyclic?)');
  if (typeof value === 'string') return value.length <= INLINE_STRING_MAX;
  if (value === null || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (value === undefined || value instanceof Uint8Array) return false;
  if (Array.isArray(value)) return value.every((v: HostValue) => isPlainJson(v, depth + 1));
  assertPlainObject(value);
  return Object.values(value).every((v) => isPlainJson(v, depth + 1));
}

type Tagged = string | number | boolean | null | Tagged[];

function tag(value: HostValue, extras: Extra[], depth: number): Tagged {
  if (depth > HOST_MAX_DEPTH) throw new HostValueError('host value nested too deeply (cyclic?)');
  if (value === undefined) return ['u'];
  if (typeof value === 'string' && value.length > INLINE_STRING_MAX) {
    // The guest would receive a raw string cut at its first NUL (C strings): such a one goes as JSON.
    if (value.includes('\0')) {
      extras.push(JSON.stringify(value));
      return ['z', extras.length - 1];
    }
    extras.push(value);
    return ['s', extras.length - 1];
  }
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (Object.is(value, -0)) return ['n', '-0'];
    return Number.isFinite(value) ? value : ['n', String(value)];
  }
  if (value instanceof Uint8Array) {
    extras.push(value);
    return ['b', extras.length - 1];
  }
  if (Array.isArray(value)) return ['a', ...value.map((v: HostValue) => tag(v, extras, depth + 1))];
  assertPlainObject(value);
  const out: Tagged[] = ['o'];
  for (const [k, v] of Object.entries(value)) out.push(k, tag(v, extras, depth + 1));
  return out;
}

function assertPlainObject(value: object): void {
  const proto: unknown = Object.getPrototypeOf(value);
  // Only plain data may reach the guest: no class instances, functions or exotic host objects.
  if ((proto !== Object.prototype && proto !== null) || typeof value === 'function') {
    throw new HostValueError('host function returned a value that is not plain data');
  }
}
