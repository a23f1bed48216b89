import type { CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';
import { isCedarWritable } from '../cedar-text.js';
import type { AttrType, RecordAttr } from './schema-model.js';

/**
 * Does a converted request value certainly conform to a schema type, as Cedar's request and entity
 * validation would decide? `true` only for shapes whose acceptance by Cedar is known; everything
 * else is `false`, and `false` never denies by itself: the gate then asks Cedar, which gives the
 * real answer. So this check may be stricter than Cedar, never looser.
 */

/**
 * Strings Cedar can receive unchanged. cedar-wasm serialises its input as JSON and refuses lone
 * UTF-16 surrogates, so a request holding one must be left to Cedar (which denies it).
 */
export function isWellFormed(s: string): boolean {
  // Most strings have no surrogate at all; the cheap scan spares them the Unicode-aware one.
  return !ANY_SURROGATE.test(s) || isCedarWritable(s);
}

const ANY_SURROGATE = /[\uD800-\uDFFF]/;

function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isPlainRecord(value: CedarValueJson): value is Readonly<Record<string, CedarValueJson>> {
  return isPlainObject(value);
}

export function conforms(value: CedarValueJson, type: AttrType): boolean {
  switch (type.kind) {
    case 'String':
      return typeof value === 'string' && isWellFormed(value);
    case 'Long':
      // Cedar Longs are 64-bit; the request conversion already allows only safe integers.
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'Boolean':
      return typeof value === 'boolean';
    case 'Set':
      return Array.isArray(value) && value.every((v) => conforms(v, type.element));
    case 'Record':
      return isPlainRecord(value) && conformsRecord(value, type.attrs);
    case 'Entity': {
      // Only the explicit `{ "__entity": { type, id } }` form; Cedar also reads `{ type, id }` when
      // the schema expects an entity, but that form is left to Cedar.
      const outer: unknown = value;
      if (!isPlainObject(outer)) return false;
      const keys = Object.keys(outer);
      if (keys.length !== 1 || keys[0] !== '__entity') return false;
      const ref = outer['__entity'];
      if (!isPlainObject(ref) || Object.keys(ref).length !== 2) return false;
      const { type: refType, id } = ref;
      return refType === type.name && typeof id === 'string' && isWellFormed(id);
    }
  }
}

/** Records are closed: every key declared, every required key present, every value conforming. */
export function conformsRecord(value: Readonly<Record<string, CedarValueJson>>, attrs: ReadonlyMap<string, RecordAttr>): boolean {
  let present = 0;
  for (const key of Object.keys(value)) {
    const def = attrs.get(key);
    // An undeclared attribute is a schema violation in Cedar; the declared names are well formed.
    if (def === undefined) return false;
    const v = value[key];
    if (v === undefined || !conforms(v, def.type)) return false;
    if (def.required) present++;
  }
  // Every required attribute must be there; counting avoids a second pass over the schema.
  let required = 0;
  for (const def of attrs.values()) if (def.required) required++;
  return present === required;
}
