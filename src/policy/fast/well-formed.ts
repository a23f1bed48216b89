import type { CedarValueJson, EntityUidJson, TypeAndId } from '@cedar-policy/cedar-wasm/nodejs';
import type { CedarRequest } from '../cedar-json.js';
import { isWellFormed } from './conformance.js';

/**
 * Whether any string of a converted request holds a lone UTF-16 surrogate. cedar-wasm serialises its
 * input as JSON and throws on such a string (so Cedar's answer is always an exception, i.e. deny),
 * and every such throw leaks part of its WASM stack: after about 1,500 of them the module fails with
 * "memory access out of bounds" for every later call in the process. A script controls the paths it
 * asks for, so the gate must deny these requests without handing them to cedar-wasm.
 */
export function hasLoneSurrogate(principal: TypeAndId, call: CedarRequest): boolean {
  if (badRef(principal) || badRef(call.action) || badRef(call.resource) || badValue(call.context)) return true;
  for (const e of call.entities) {
    if (badRef(e.uid) || badValue(e.attrs) || e.parents.some(badRef) || (e.tags !== undefined && badValue(e.tags))) return true;
  }
  return false;
}

function badRef(ref: EntityUidJson): boolean {
  return badValue(ref as unknown as CedarValueJson);
}

function badValue(value: CedarValueJson): boolean {
  if (typeof value === 'string') return !isWellFormed(value);
  if (Array.isArray(value)) return value.some(badValue);
  if (typeof value !== 'object' || value === null) return false;
  // Keys are sent too; an own `__proto__` key is an ordinary key here (Object.entries sees it).
  return Object.entries(value).some(([k, v]) => !isWellFormed(k) || badValue(v as CedarValueJson));
}
