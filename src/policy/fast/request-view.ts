import type { CedarValueJson, EntityJson, EntityUidJson, TypeAndId } from '@cedar-policy/cedar-wasm/nodejs';
import type { CedarRequest } from '../cedar-json.js';
import { conforms, conformsRecord, isWellFormed } from './conformance.js';
import { EntityGraph } from './entity-graph.js';
import { uidKey, type SchemaModel } from './schema-model.js';
import { EntityValue } from './values.js';

/**
 * One request as the fast evaluator sees it, built only after the request passed the same checks
 * Cedar would make with `validateRequest: true` and a schema (or stricter ones): the action applies
 * to this principal and resource type, the context and every entity conform to the schema, no entity
 * is defined twice, and the entity graph has no cycle. When any check is not certainly passed,
 * buildRequestView returns null and the gate asks Cedar instead.
 */

export interface EntityData {
  readonly attrs: Readonly<Record<string, CedarValueJson>>;
}

export class RequestView {
  constructor(
    readonly principal: EntityValue,
    readonly action: EntityValue,
    readonly resource: EntityValue,
    private readonly graph: EntityGraph,
  ) {}

  /** The stored entity, or undefined when the request did not include it. */
  entity(e: EntityValue): EntityData | undefined {
    return this.graph.node(e.type, e.id);
  }

  /** Cedar's `a in b`: reflexive, and transitive over the parents of entities in the store. */
  isIn(a: EntityValue, b: EntityValue): boolean {
    return this.graph.isIn(a.type, a.id, b.type, b.id);
  }
}

/** The uid as `{type, id}`, or null for the `__entity` form (never produced by toCedarRequest). */
function plainUid(u: EntityUidJson): TypeAndId | null {
  if (Object.hasOwn(u, '__entity')) return null;
  const { type, id } = u as TypeAndId;
  // Lone surrogates make cedar-wasm refuse the request: leave those to Cedar.
  return typeof type === 'string' && typeof id === 'string' && isWellFormed(id) ? { type, id } : null;
}

/** Adds one request entity to the graph if it certainly conforms to the schema; false otherwise. */
function addEntity(model: SchemaModel, graph: EntityGraph, e: EntityJson): boolean {
  const uid = plainUid(e.uid);
  if (uid === null) return false;
  // Unknown types (and action entities, which must match the schema exactly) are left to Cedar.
  const type = model.entityTypes.get(uid.type);
  if (type === undefined) return false;
  // Attributes must be exactly the declared ones, with the declared types.
  if (!conformsRecord(e.attrs, type.shape)) return false;
  const parents: TypeAndId[] = [];
  for (const p of e.parents) {
    const parent = plainUid(p);
    // Cedar refuses a parent of a type the schema does not allow below `in`.
    if (parent === null || !type.memberOfTypes.has(parent.type)) return false;
    parents.push(parent);
  }
  if (e.tags !== undefined) {
    // Tags on a type without tags are refused by Cedar (even an empty map is left to Cedar here).
    const tagType = type.tags;
    if (tagType === null) return false;
    for (const [k, v] of Object.entries(e.tags)) if (!isWellFormed(k) || !conforms(v, tagType)) return false;
  }
  // Duplicates (even identical ones, and the principal again) are left to Cedar.
  return graph.add(uid.type, uid.id, e.attrs, parents);
}

const NO_ATTRS: Readonly<Record<string, CedarValueJson>> = Object.freeze({});

/** The request as an evaluation view, or null when it is not certain Cedar would accept it as is. */
export function buildRequestView(model: SchemaModel, principal: TypeAndId, call: CedarRequest): RequestView | null {
  const action = model.actions.get(uidKey(call.action.type, call.action.id));
  // The action must exist and apply to this principal type and resource type (request validation).
  if (action === undefined || !action.principalTypes.has(principal.type) || !action.resourceTypes.has(call.resource.type)) return null;
  if (!isWellFormed(principal.id) || !isWellFormed(call.resource.id)) return null;
  // The principal entity the gate sends ({} attributes) must itself conform to its type.
  const principalType = model.entityTypes.get(principal.type);
  if (principalType === undefined || !conformsRecord(NO_ATTRS, principalType.shape)) return null;
  // The context must be exactly the action's declared context record.
  if (!conformsRecord(call.context, action.context)) return null;
  const graph = new EntityGraph(model);
  // The gate always sends the principal itself, with no attributes and no parents.
  graph.add(principal.type, principal.id, NO_ATTRS, []);
  for (const e of call.entities) if (!addEntity(model, graph, e)) return null;
  if (!graph.seal()) return null;
  return new RequestView(
    new EntityValue(principal.type, principal.id),
    new EntityValue(call.action.type, call.action.id),
    new EntityValue(call.resource.type, call.resource.id),
    graph,
  );
}
