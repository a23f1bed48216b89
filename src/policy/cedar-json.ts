import type { CedarValueJson, EntityJson, TypeAndId } from '@cedar-policy/cedar-wasm/nodejs';
import type { AccessRequest, AttrValue, Entity, EntityRef } from '../sandbox/gate.js';

/**
 * Converts the sandbox's request shapes into cedar-wasm's JSON, checking as it goes. Anything that
 * does not fit Cedar's value model throws, and the gate turns a throw into deny: a malformed request
 * must never reach Cedar in a form it might read differently from what the SDK meant.
 */

export function toCedarRef(ref: EntityRef): TypeAndId {
  // Copy just the two fields so extra properties (or getters) on the caller's object are never sent.
  if (typeof ref.type !== 'string' || typeof ref.id !== 'string') throw new TypeError('entity reference needs string type and id');
  return { type: ref.type, id: ref.id };
}

export function toCedarValue(value: AttrValue): CedarValueJson {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    // Cedar's only number type is a 64-bit integer; a fraction, NaN or an unsafe integer would be
    // rounded or rejected somewhere we cannot see, so refuse it here.
    if (!Number.isSafeInteger(value)) throw new TypeError(`not a Cedar Long: ${value}`);
    return value;
  }
  if (Array.isArray(value)) return (value as readonly AttrValue[]).map(toCedarValue);
  if (typeof value !== 'object' || value === null) throw new TypeError(`not a Cedar value: ${typeof value}`);
  const record = value as Readonly<Record<string, AttrValue>>;
  if (Object.hasOwn(record, '__entity')) {
    // The one escape writ uses: an entity reference. It must be exactly { __entity: {type, id} }.
    if (Object.keys(record).length !== 1) throw new TypeError('entity reference with extra keys');
    return { __entity: toCedarRef(record['__entity'] as unknown as EntityRef) };
  }
  // `__extn` would make Cedar call an extension function (ip, decimal, ...); writ's schema has none.
  if (Object.hasOwn(record, '__extn')) throw new TypeError('extension values are not allowed');
  return convertRecord(record);
}

export function toCedarEntity(entity: Entity): EntityJson {
  const json: EntityJson = {
    uid: toCedarRef(entity.uid),
    attrs: convertRecord(entity.attrs),
    parents: entity.parents.map(toCedarRef),
  };
  if (entity.tags !== undefined) {
    const tags = Object.entries(entity.tags).map(([k, v]): [string, CedarValueJson] => {
      // The schema declares every tag as String; check here rather than trust the caller's types.
      if (typeof v !== 'string') throw new TypeError(`tag ${k} is not a string`);
      return [k, v];
    });
    json.tags = Object.fromEntries(tags.sort(([a], [b]) => compareKeys(a, b)));
  }
  return json;
}

/**
 * Records are rebuilt with their keys in sorted order, so JSON.stringify of a converted request is a
 * canonical key (see cacheKey). Object.fromEntries defines every key as an own property; plain
 * assignment of a key named `__proto__` would instead set the prototype and drop the attribute.
 */
function convertRecord(record: Readonly<Record<string, AttrValue>>): Record<string, CedarValueJson> {
  const keys = Object.keys(record);
  if (keys.length > 1) keys.sort(compareKeys);
  return Object.fromEntries(keys.map((k) => [k, toCedarValue(record[k] as AttrValue)]));
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Exactly what is sent to Cedar for one request, apart from the principal. */
export interface CedarRequest {
  readonly action: TypeAndId;
  readonly resource: TypeAndId;
  readonly context: Record<string, CedarValueJson>;
  readonly entities: EntityJson[];
}

export function toCedarRequest(request: AccessRequest): CedarRequest {
  return {
    action: toCedarRef(request.action),
    resource: toCedarRef(request.resource),
    context: convertRecord(request.context),
    entities: request.entities.map(toCedarEntity),
  };
}

/**
 * Cache key of a converted request: equal exactly when Cedar would receive identical input. The
 * converted form has a fixed key order (records sorted by toCedarValue, fixed field order elsewhere)
 * and holds only strings, safe integers, booleans, arrays and records, for which JSON is injective.
 * Native JSON.stringify is ~10x faster than canonicalJson, and this runs on every decision.
 */
export function cacheKey(call: CedarRequest): string {
  return JSON.stringify(call);
}

/**
 * A string that is equal for two values exactly when they are the same JSON value, whatever their
 * key order. For unconverted values (learn mode's dedup), where the key order is the caller's.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  // Non-finite numbers would all print as null; toCedarValue rejects them before any key is made.
  return JSON.stringify(value) ?? 'null';
}
