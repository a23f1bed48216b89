import type { CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';

/**
 * Run-time values of the fast evaluator and the two ways evaluation can stop early.
 *
 * Cedar Bool, Long and String are JS booleans, (safe-integer) numbers and strings; entities, sets and
 * records are the classes below, so `typeof` tells primitives apart and `instanceof` the rest.
 */

export class EntityValue {
  constructor(
    readonly type: string,
    readonly id: string,
  ) {}
}

export class SetValue {
  constructor(readonly elements: readonly Value[]) {}
}

/** A record attribute value (not in writ's entity schema today, but attributes may hold one). */
export class RecordValue {
  constructor(readonly attrs: Readonly<Record<string, CedarValueJson>>) {}
}

export type Value = boolean | number | string | EntityValue | SetValue | RecordValue;

/**
 * A Cedar evaluation error (type error, missing entity or attribute). Cedar skips the policy and
 * reports it; writ denies the whole request on any of them, so the message is only for logs.
 */
export class CedarEvalError extends Error {
  override readonly name = 'CedarEvalError';
}

/**
 * Evaluation reached something the fast path does not implement (e.g. comparing two sets). This is
 * not a decision: the gate asks Cedar instead.
 */
export class FastPathUnsupported extends Error {
  override readonly name = 'FastPathUnsupported';
}

/** Converts an attribute value from the (already schema-checked) request JSON. */
export function fromJson(value: CedarValueJson): Value {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return new SetValue(value.map(fromJson));
  // Extension values and null never pass the request check; treat them as not implemented anyway.
  if (value === null || typeof value !== 'object' || Object.hasOwn(value, '__extn')) throw new FastPathUnsupported('value kind');
  if (Object.hasOwn(value, '__entity')) {
    const ref = (value as { __entity: { type: unknown; id: unknown } }).__entity;
    if (typeof ref.type !== 'string' || typeof ref.id !== 'string') throw new FastPathUnsupported('entity value');
    return new EntityValue(ref.type, ref.id);
  }
  return new RecordValue(value as Record<string, CedarValueJson>);
}

/**
 * Cedar's `==`. Values of different kinds are unequal (never an error): Long 1 is not String "1",
 * and an entity equals another exactly when type and id are equal. Set and record equality is not
 * implemented here, so comparing two of them hands the request to Cedar.
 */
export function valueEquals(a: Value, b: Value): boolean {
  // Primitives: equal only if the same JS type and value (no coercion with ===).
  if (typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (a instanceof EntityValue) return b instanceof EntityValue && a.type === b.type && a.id === b.id;
  if (b instanceof EntityValue) return false;
  // Two sets or two records need structural equality, which is not implemented: ask Cedar.
  if ((a instanceof SetValue && b instanceof SetValue) || (a instanceof RecordValue && b instanceof RecordValue)) {
    throw new FastPathUnsupported('set or record equality');
  }
  return false;
}

/** How a value is named in error messages. */
export function kindOf(value: Value): string {
  if (typeof value === 'boolean') return 'Bool';
  if (typeof value === 'number') return 'Long';
  if (typeof value === 'string') return 'String';
  if (value instanceof EntityValue) return 'Entity';
  if (value instanceof SetValue) return 'Set';
  return 'Record';
}
