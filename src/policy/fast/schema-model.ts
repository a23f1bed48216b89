import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type { Uid } from './ast.js';

/**
 * What the fast path needs to know of a Cedar schema, read from cedar-wasm's own JSON rendering of
 * it (`schemaToJsonWithResolvedTypes`) so that nothing is transcribed by hand: entity types with
 * their attribute types, allowed parent types and tags; actions with their groups (transitively
 * closed) and what they apply to. Any schema feature not understood here (extension types,
 * enumerated entities, open records, action attributes, ...) makes the model unavailable, and then
 * the fast path is never used.
 */

export type AttrType =
  | { readonly kind: 'String' | 'Long' | 'Boolean' }
  | { readonly kind: 'Set'; readonly element: AttrType }
  | { readonly kind: 'Record'; readonly attrs: ReadonlyMap<string, RecordAttr> }
  | { readonly kind: 'Entity'; readonly name: string };

export interface RecordAttr {
  readonly type: AttrType;
  readonly required: boolean;
}

export interface EntityTypeModel {
  readonly shape: ReadonlyMap<string, RecordAttr>;
  readonly memberOfTypes: ReadonlySet<string>;
  /** The type of every tag value, or null when the type has no tags. */
  readonly tags: AttrType | null;
}

export interface ActionModel {
  readonly uid: Uid;
  /** Every action group this action is in, directly or through other groups (not itself). */
  readonly ancestors: readonly Uid[];
  /** Direct groups, as an action entity's parents. */
  readonly parents: readonly Uid[];
  readonly principalTypes: ReadonlySet<string>;
  readonly resourceTypes: ReadonlySet<string>;
  readonly context: ReadonlyMap<string, RecordAttr>;
}

export interface SchemaModel {
  readonly entityTypes: ReadonlyMap<string, EntityTypeModel>;
  /** Keyed by uidKey of the action's uid. */
  readonly actions: ReadonlyMap<string, ActionModel>;
}

/** A Map key for an entity uid. Type names never contain NUL (they are Cedar identifiers). */
export function uidKey(type: string, id: string): string {
  return `${type}\0${id}`;
}

class Unsupported extends Error {}

function unsupported(reason: string): never {
  throw new Unsupported(reason);
}

type Obj = Readonly<Record<string, unknown>>;

function obj(value: unknown, what: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) unsupported(`${what} is not an object`);
  return value as Obj;
}

function onlyKeys(o: Obj, allowed: readonly string[], what: string): void {
  // An unknown key could change what conforms to the schema; refuse rather than ignore it.
  for (const k of Object.keys(o)) if (!allowed.includes(k)) unsupported(`${what}: unsupported key ${k}`);
}

function strings(value: unknown, what: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) unsupported(`${what} is not a list of names`);
  return value;
}

/** Where names are read: the namespace, and every declared entity type (fully qualified). */
interface Scope {
  readonly ns: string;
  readonly declared: ReadonlySet<string>;
}

/**
 * An entity type name as written in a namespace, fully qualified. The resolved JSON qualifies names
 * of its own namespaces; a bare name inside a namespace must then be an empty-namespace type (like
 * `User`). If the namespace declares the same bare name too, which one is meant is not guessed.
 */
function qualified(name: string, scope: Scope): string {
  if (name.includes('::') || scope.ns === '') return name;
  if (scope.declared.has(`${scope.ns}::${name}`) || !scope.declared.has(name)) unsupported(`ambiguous name ${name} in ${scope.ns}`);
  return name;
}

function attrType(value: unknown, scope: Scope, what: string): AttrType {
  const o = obj(value, what);
  switch (o['type']) {
    case 'String':
    case 'Long':
    case 'Boolean':
      onlyKeys(o, ['type', 'required'], what);
      return { kind: o['type'] };
    case 'Set':
      onlyKeys(o, ['type', 'element', 'required'], what);
      return { kind: 'Set', element: attrType(o['element'], scope, `${what}.element`) };
    case 'Record':
      return { kind: 'Record', attrs: recordAttrs(o, scope, what) };
    case 'Entity':
      onlyKeys(o, ['type', 'name', 'required'], what);
      if (typeof o['name'] !== 'string') unsupported(`${what}: entity type without a name`);
      return { kind: 'Entity', name: qualified(o['name'], scope) };
    default:
      // Extension types, unresolved EntityOrCommon references, ...
      return unsupported(`${what}: unsupported type ${String(o['type'])}`);
  }
}

function recordAttrs(o: Obj, scope: Scope, what: string): Map<string, RecordAttr> {
  // `additionalAttributes: true` (open records) is not modelled, so the key is not allowed.
  onlyKeys(o, ['type', 'attributes', 'required'], what);
  if (o['type'] !== 'Record') unsupported(`${what} is not a record`);
  const out = new Map<string, RecordAttr>();
  for (const [name, def] of Object.entries(obj(o['attributes'] ?? {}, `${what}.attributes`))) {
    const required = obj(def, `${what}.${name}`)['required'];
    if (required !== undefined && typeof required !== 'boolean') unsupported(`${what}.${name}: odd required flag`);
    out.set(name, { type: attrType(def, scope, `${what}.${name}`), required: required !== false });
  }
  return out;
}

function entityType(value: unknown, scope: Scope, what: string): EntityTypeModel {
  const o = obj(value, what);
  onlyKeys(o, ['memberOfTypes', 'shape', 'tags', 'annotations'], what);
  const shape = o['shape'] === undefined ? new Map<string, RecordAttr>() : recordAttrs(obj(o['shape'], what), scope, what);
  return {
    shape,
    memberOfTypes: new Set(strings(o['memberOfTypes'], `${what}.memberOfTypes`).map((n) => qualified(n, scope))),
    tags: o['tags'] === undefined ? null : attrType(o['tags'], scope, `${what}.tags`),
  };
}

interface RawAction {
  readonly uid: Uid;
  readonly parents: readonly Uid[];
  readonly principalTypes: ReadonlySet<string>;
  readonly resourceTypes: ReadonlySet<string>;
  readonly context: ReadonlyMap<string, RecordAttr>;
}

function action(id: string, value: unknown, scope: Scope): RawAction {
  const what = `action ${id}`;
  const o = obj(value, what);
  // Action `attributes` would give action entities attributes; not modelled.
  onlyKeys(o, ['memberOf', 'appliesTo', 'annotations'], what);
  const actionType = scope.ns === '' ? 'Action' : `${scope.ns}::Action`;
  const memberOf = o['memberOf'] ?? [];
  if (!Array.isArray(memberOf)) unsupported(`${what}.memberOf is not a list`);
  const parents = memberOf.map((m: unknown): Uid => {
    const r = obj(m, `${what}.memberOf`);
    onlyKeys(r, ['id', 'type'], `${what}.memberOf`);
    if (typeof r['id'] !== 'string') unsupported(`${what}.memberOf without id`);
    // Without a type, the group is an action of the same namespace.
    // Action groups are named fully qualified (or not at all: then the same namespace's Action).
    const type = r['type'] === undefined ? actionType : typeof r['type'] === 'string' && (r['type'].includes('::') || scope.ns === '') ? r['type'] : unsupported('odd type');
    return { type, id: r['id'] };
  });
  const applies = o['appliesTo'] === undefined ? {} : obj(o['appliesTo'], `${what}.appliesTo`);
  onlyKeys(applies, ['principalTypes', 'resourceTypes', 'context'], `${what}.appliesTo`);
  const context = applies['context'] === undefined ? new Map<string, RecordAttr>() : recordAttrs(obj(applies['context'], what), scope, what);
  return {
    uid: { type: actionType, id },
    parents,
    principalTypes: new Set(strings(applies['principalTypes'], what).map((n) => qualified(n, scope))),
    resourceTypes: new Set(strings(applies['resourceTypes'], what).map((n) => qualified(n, scope))),
    context,
  };
}

/** Transitive groups of each action; a cycle or a group that is not declared makes the model unavailable. */
function closeActions(raw: ReadonlyMap<string, RawAction>): Map<string, ActionModel> {
  const out = new Map<string, ActionModel>();
  const visiting = new Set<string>();
  const visit = (key: string): readonly Uid[] => {
    const done = out.get(key);
    if (done !== undefined) return done.ancestors;
    const a = raw.get(key);
    if (a === undefined) return unsupported('action group not declared');
    if (visiting.has(key)) return unsupported('action groups form a cycle');
    visiting.add(key);
    const seen = new Map<string, Uid>();
    for (const p of a.parents) {
      seen.set(uidKey(p.type, p.id), p);
      for (const g of visit(uidKey(p.type, p.id))) seen.set(uidKey(g.type, g.id), g);
    }
    visiting.delete(key);
    out.set(key, { ...a, ancestors: [...seen.values()] });
    return out.get(key)?.ancestors ?? [];
  };
  for (const key of raw.keys()) visit(key);
  return out;
}

export type SchemaModelResult = { readonly ok: true; readonly model: SchemaModel } | { readonly ok: false; readonly reason: string };

/** The model of a schema, or why not (never an exception) when any part of it is outside what is modelled. */
export function buildSchemaModel(schemaText: string): SchemaModelResult {
  try {
    const answer = cedar.schemaToJsonWithResolvedTypes(schemaText);
    if (answer.type !== 'success') return { ok: false, reason: answer.errors.map((e) => e.message).join('; ') };
    const root = obj(answer.json, 'schema');
    const entityTypes = new Map<string, EntityTypeModel>();
    const raw = new Map<string, RawAction>();
    const full = (ns: string, name: string): string => (ns === '' ? name : `${ns}::${name}`);
    const declared = new Set<string>();
    for (const [ns, nsValue] of Object.entries(root)) {
      for (const name of Object.keys(obj(obj(nsValue, ns)['entityTypes'] ?? {}, 'entityTypes'))) declared.add(full(ns, name));
    }
    for (const [ns, nsValue] of Object.entries(root)) {
      const n = obj(nsValue, `namespace ${ns}`);
      onlyKeys(n, ['entityTypes', 'actions', 'commonTypes', 'annotations'], `namespace ${ns}`);
      const scope: Scope = { ns, declared };
      for (const [name, def] of Object.entries(obj(n['entityTypes'] ?? {}, 'entityTypes'))) {
        entityTypes.set(full(ns, name), entityType(def, scope, name));
      }
      for (const [id, def] of Object.entries(obj(n['actions'] ?? {}, 'actions'))) {
        const a = action(id, def, scope);
        raw.set(uidKey(a.uid.type, a.uid.id), a);
      }
    }
    return { ok: true, model: { entityTypes, actions: closeActions(raw) } };
  } catch (err) {
    // Unsupported schema features (or a surprise from the WASM side): no fast path at all.
    return { ok: false, reason: err instanceof Error ? err.message : 'unexpected schema JSON' };
  }
}
