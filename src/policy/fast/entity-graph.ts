import type { CedarValueJson, TypeAndId } from '@cedar-policy/cedar-wasm/nodejs';
import type { SchemaModel } from './schema-model.js';

/**
 * The entity store of one request, as Cedar would hold it: the request's entities and the principal,
 * plus the schema's action entities (shared by all requests). Parents are resolved to nodes once, so
 * `in` walks objects instead of hashing uid strings; a node's parent that the store does not hold
 * is still an ancestor (matched by type and id) but has no parents of its own.
 */

export class EntityNode {
  /** Resolved `parents`, index for index; undefined where the parent is not in the store. */
  parentNodes: (EntityNode | undefined)[] = [];
  /** Walk stamp, so each `in` walk visits a node once (DAGs with shared ancestors stay linear). */
  mark = 0;
  /** Cycle check state: 0 unvisited, 1 on the current path, 2 done. */
  state = 0;

  constructor(
    readonly type: string,
    readonly id: string,
    readonly attrs: Readonly<Record<string, CedarValueJson>>,
    readonly parents: readonly TypeAndId[],
    /** Schema action nodes are shared by every request; the per-request cycle check skips them. */
    readonly shared = false,
  ) {}
}

type Index = Map<string, Map<string, EntityNode>>;

let walkStamp = 0;

const NO_ATTRS: Readonly<Record<string, CedarValueJson>> = Object.freeze({});

/** Action entities of a schema model, built once per model: no attributes, their groups as parents. */
const actionIndexes = new WeakMap<SchemaModel, Index>();

function actionIndex(model: SchemaModel): Index {
  const known = actionIndexes.get(model);
  if (known !== undefined) return known;
  const index: Index = new Map();
  for (const a of model.actions.values()) add(index, new EntityNode(a.uid.type, a.uid.id, NO_ATTRS, a.parents, true));
  for (const byId of index.values()) for (const n of byId.values()) n.parentNodes = n.parents.map((p) => index.get(p.type)?.get(p.id));
  actionIndexes.set(model, index);
  return index;
}

function add(index: Index, node: EntityNode): boolean {
  let byId = index.get(node.type);
  if (byId === undefined) index.set(node.type, (byId = new Map<string, EntityNode>()));
  // A second definition of one uid is refused by the caller (Cedar may merge or refuse it).
  if (byId.has(node.id)) return false;
  byId.set(node.id, node);
  return true;
}

export class EntityGraph {
  private readonly own: Index = new Map();
  private readonly actions: Index;

  constructor(model: SchemaModel) {
    this.actions = actionIndex(model);
  }

  /** Adds a request entity; false when the uid is already defined (the request is then left to Cedar). */
  add(type: string, id: string, attrs: Readonly<Record<string, CedarValueJson>>, parents: readonly TypeAndId[]): boolean {
    // Action entities come from the schema only; a request redefining one is left to Cedar.
    if (this.actions.get(type)?.has(id) === true) return false;
    return add(this.own, new EntityNode(type, id, attrs, parents));
  }

  node(type: string, id: string): EntityNode | undefined {
    return this.own.get(type)?.get(id) ?? this.actions.get(type)?.get(id);
  }

  /** Resolves parents to nodes and checks there is no cycle (Cedar refuses cyclic entity graphs). */
  seal(): boolean {
    for (const byId of this.own.values()) {
      for (const n of byId.values()) n.parentNodes = n.parents.map((p) => this.node(p.type, p.id));
    }
    for (const byId of this.own.values()) for (const n of byId.values()) if (!acyclicFrom(n)) return false;
    return true;
  }

  /** Cedar's `a in b`: reflexive, and transitive over parents of entities in the store. */
  isIn(aType: string, aId: string, bType: string, bId: string): boolean {
    // `E in E` holds for every entity, whether or not it is in the store.
    if (aType === bType && aId === bId) return true;
    const start = this.node(aType, aId);
    if (start === undefined) return false;
    const stamp = ++walkStamp;
    start.mark = stamp;
    const stack = [start];
    for (let n = stack.pop(); n !== undefined; n = stack.pop()) {
      for (let i = 0; i < n.parents.length; i++) {
        const p = n.parents[i];
        if (p === undefined) continue;
        if (p.type === bType && p.id === bId) return true;
        const next = n.parentNodes[i];
        if (next !== undefined && next.mark !== stamp) {
          next.mark = stamp;
          stack.push(next);
        }
      }
    }
    return false;
  }
}

/** Iterative depth-first search from `root` (no recursion: a long chain cannot overflow the stack). */
function acyclicFrom(root: EntityNode): boolean {
  if (root.state !== 0) return true;
  root.state = 1;
  const stack: { node: EntityNode; next: number }[] = [{ node: root, next: 0 }];
  for (let top = stack.at(-1); top !== undefined; top = stack.at(-1)) {
    if (top.next >= top.node.parentNodes.length) {
      top.node.state = 2;
      stack.pop();
      continue;
    }
    const parent = top.node.parentNodes[top.next++];
    // Shared action nodes only lead to other actions, which the schema model keeps acyclic.
    if (parent === undefined || parent.shared) continue;
    // Back to a node still on the current path: a cycle.
    if (parent.state === 1) return false;
    if (parent.state === 0) {
      parent.state = 1;
      stack.push({ node: parent, next: 0 });
    }
  }
  return true;
}
