import type { ActionScope, Condition, Expr, Literal, PatternElem, PolicyAst, Uid, VarScope } from './ast.js';

/**
 * Reads cedar-wasm's JSON form of one policy (the EST from `policyToJson`) into the typed AST,
 * checking every node. The EST is untrusted structure as far as this module is concerned: any node
 * kind, key or value shape it does not know makes the whole policy "not compilable", and the gate
 * then keeps asking Cedar. Nothing here guesses: unknown means Cedar.
 */

export type EstResult = { readonly ok: true; readonly policy: PolicyAst } | { readonly ok: false; readonly reason: string };

/**
 * Deeper expressions are left to Cedar. Cedar evaluates recursively on the shared JS stack and,
 * once its WASM code is warm, overflows at about 110 nested operators even when called from a
 * shallow stack (it then throws and the gate denies): the fast path keeps well clear of that, so it
 * never answers where Cedar's own answer depends on stack space. A chain `a || b || c` counts one
 * level per operator, as Cedar nests it.
 */
export const MAX_EXPR_DEPTH = 48;

class NotCompilable extends Error {}

function reject(reason: string): never {
  throw new NotCompilable(reason);
}

export function parseEst(json: unknown): EstResult {
  try {
    return { ok: true, policy: policyOf(json) };
  } catch (err) {
    // Only our own rejections are expected; anything else is a bug, still reported as not compilable.
    return { ok: false, reason: err instanceof Error ? err.message : 'unexpected EST' };
  }
}

type Obj = Readonly<Record<string, unknown>>;

function obj(value: unknown, what: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) reject(`${what} is not an object`);
  return value as Obj;
}

/** Every key must be known: an unknown key could carry meaning this compiler would ignore. */
function onlyKeys(o: Obj, allowed: readonly string[], what: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) reject(`${what}: unsupported key ${k}`);
}

function str(value: unknown, what: string): string {
  if (typeof value !== 'string') reject(`${what} is not a string`);
  return value;
}

function policyOf(json: unknown): PolicyAst {
  const o = obj(json, 'policy');
  // Annotations never change a decision; every other key must be understood.
  onlyKeys(o, ['effect', 'principal', 'action', 'resource', 'conditions', 'annotations'], 'policy');
  const effect = o['effect'];
  if (effect !== 'permit' && effect !== 'forbid') reject('unknown effect');
  const conditions = o['conditions'];
  if (!Array.isArray(conditions)) reject('conditions is not a list');
  return {
    effect,
    principal: varScope(o['principal'], 'principal'),
    action: actionScope(o['action']),
    resource: varScope(o['resource'], 'resource'),
    conditions: conditions.map(condition),
  };
}

function uid(value: unknown, what: string): Uid {
  const o = obj(value, what);
  onlyKeys(o, ['type', 'id'], what);
  return { type: str(o['type'], `${what}.type`), id: str(o['id'], `${what}.id`) };
}

function varScope(value: unknown, what: string): VarScope {
  const o = obj(value, what);
  // A `slot` key (templates) is not in any allowed list below, so it is rejected.
  switch (o['op']) {
    case 'All':
      onlyKeys(o, ['op'], what);
      return { op: 'all' };
    case '==':
      onlyKeys(o, ['op', 'entity'], what);
      return { op: 'eq', entity: uid(o['entity'], what) };
    case 'in':
      onlyKeys(o, ['op', 'entity'], what);
      return { op: 'in', entity: uid(o['entity'], what) };
    case 'is': {
      onlyKeys(o, ['op', 'entity_type', 'in'], what);
      const entityType = str(o['entity_type'], `${what}.entity_type`);
      if (o['in'] === undefined) return { op: 'is', entityType };
      const inner = obj(o['in'], `${what}.in`);
      onlyKeys(inner, ['entity'], `${what}.in`);
      return { op: 'is', entityType, in: uid(inner['entity'], what) };
    }
    default:
      return reject(`${what}: unsupported scope`);
  }
}

function actionScope(value: unknown): ActionScope {
  const o = obj(value, 'action');
  switch (o['op']) {
    case 'All':
      onlyKeys(o, ['op'], 'action');
      return { op: 'all' };
    case '==':
      onlyKeys(o, ['op', 'entity'], 'action');
      return { op: 'eq', entity: uid(o['entity'], 'action') };
    case 'in': {
      onlyKeys(o, ['op', 'entity', 'entities'], 'action');
      // `action in A` means the same as `action in [A]`.
      if (o['entity'] !== undefined && o['entities'] === undefined) return { op: 'in', entities: [uid(o['entity'], 'action')] };
      const list = o['entities'];
      if (o['entity'] !== undefined || !Array.isArray(list)) reject('action: malformed `in`');
      return { op: 'in', entities: list.map((e) => uid(e, 'action')) };
    }
    default:
      return reject('action: unsupported scope');
  }
}

function condition(value: unknown): Condition {
  const o = obj(value, 'condition');
  onlyKeys(o, ['kind', 'body'], 'condition');
  const kind = o['kind'];
  if (kind !== 'when' && kind !== 'unless') reject('unknown condition kind');
  return { kind, body: expr(o['body'], 0) };
}

function literal(value: unknown): Literal {
  if (typeof value === 'boolean') return { kind: 'bool', value };
  if (typeof value === 'string') return { kind: 'string', value };
  if (typeof value === 'number') {
    // Cedar Longs are 64-bit; a JS number is exact only up to 2^53, so larger literals go to Cedar.
    if (!Number.isSafeInteger(value)) reject('long literal outside the exact JS range');
    return { kind: 'long', value };
  }
  const o = obj(value, 'literal');
  // Only entity references; records and extension values (`__extn`) are outside the subset.
  onlyKeys(o, ['__entity'], 'literal');
  return { kind: 'entity', value: uid(o['__entity'], 'entity literal') };
}

/** The literal inside a `{"Value": ..}` node; any other node kind is not a literal. */
function literalNode(value: unknown): Literal {
  const o = obj(value, 'set element');
  onlyKeys(o, ['Value'], 'set element (only literals are supported)');
  return literal(o['Value']);
}

function binary(body: unknown, depth: number): { left: Expr; right: Expr } {
  const o = obj(body, 'operands');
  onlyKeys(o, ['left', 'right'], 'operands');
  return { left: expr(o['left'], depth + 1), right: expr(o['right'], depth + 1) };
}

/**
 * The operands of a left-nested chain `((a op b) op c) op d` in order, walked iteratively, so the
 * compiled code evaluates a flat list. Flattening keeps Cedar's meaning: operands are still
 * evaluated left to right with short-circuit. The chain still counts as nesting toward the depth
 * limit, because Cedar's own evaluation recurses through it.
 */
function chain(op: '&&' | '||', node: Obj, depth: number): Expr[] {
  const rights: unknown[] = [];
  let current: unknown = node;
  for (;;) {
    const o = obj(current, op);
    const keys = Object.keys(o);
    if (keys.length !== 1 || keys[0] !== op) break;
    const b = obj(o[op], 'operands');
    onlyKeys(b, ['left', 'right'], 'operands');
    rights.push(b['right']);
    current = b['left'];
    if (depth + rights.length > MAX_EXPR_DEPTH) reject('expression nested too deeply');
  }
  return [current, ...rights.reverse()].map((e) => expr(e, depth + rights.length));
}

function pattern(value: unknown): PatternElem[] {
  if (!Array.isArray(value)) reject('like pattern is not a list');
  return value.map((p: unknown): PatternElem => {
    if (p === 'Wildcard') return { kind: 'wildcard' };
    const o = obj(p, 'pattern element');
    onlyKeys(o, ['Literal'], 'pattern element');
    return { kind: 'literal', text: str(o['Literal'], 'pattern literal') };
  });
}

function expr(value: unknown, depth: number): Expr {
  if (depth > MAX_EXPR_DEPTH) reject('expression nested too deeply');
  const o = obj(value, 'expression');
  const keys = Object.keys(o);
  const key = keys[0];
  // Each EST expression node is an object with exactly one key naming its kind.
  if (keys.length !== 1 || key === undefined) reject('expression node without exactly one kind');
  const body = o[key];
  switch (key) {
    case 'Value':
      return { kind: 'lit', value: literal(body) };
    case 'Var':
      // `context` is outside the subset: its shape varies per action and is left to Cedar.
      if (body !== 'principal' && body !== 'action' && body !== 'resource') reject(`variable ${String(body)}`);
      return { kind: 'var', name: body };
    case 'Set':
      if (!Array.isArray(body)) reject('Set is not a list');
      return { kind: 'set', elements: body.map(literalNode) };
    case '&&':
      return { kind: 'and', args: chain('&&', o, depth) };
    case '||':
      return { kind: 'or', args: chain('||', o, depth) };
    case '==':
      return { kind: 'eq', ...binary(body, depth) };
    case '!=':
      return { kind: 'neq', ...binary(body, depth) };
    case 'in':
      return { kind: 'in', ...binary(body, depth) };
    case '!': {
      const b = obj(body, '!');
      onlyKeys(b, ['arg'], '!');
      return { kind: 'not', arg: expr(b['arg'], depth + 1) };
    }
    case 'if-then-else': {
      const b = obj(body, 'if-then-else');
      onlyKeys(b, ['if', 'then', 'else'], 'if-then-else');
      return { kind: 'if', cond: expr(b['if'], depth + 1), then: expr(b['then'], depth + 1), else: expr(b['else'], depth + 1) };
    }
    case 'contains': {
      const b = obj(body, 'contains');
      onlyKeys(b, ['left', 'right'], 'contains');
      const receiver = expr(b['left'], depth + 1);
      // Sets computed at run time (attributes) are outside the subset; only `[..].contains(x)`.
      if (receiver.kind !== 'set') reject('contains on something other than a literal set');
      return { kind: 'contains', set: receiver.elements, arg: expr(b['right'], depth + 1) };
    }
    case 'like': {
      const b = obj(body, 'like');
      onlyKeys(b, ['left', 'pattern'], 'like');
      return { kind: 'like', left: expr(b['left'], depth + 1), pattern: pattern(b['pattern']) };
    }
    case '.':
    case 'has': {
      const b = obj(body, key);
      onlyKeys(b, ['left', 'attr'], key);
      // `has a.b` arrives as a list of names; only the one-name form is in the subset.
      return { kind: key === '.' ? 'attr' : 'has', left: expr(b['left'], depth + 1), attr: str(b['attr'], `${key} attr`) };
    }
    case 'is': {
      const b = obj(body, 'is');
      onlyKeys(b, ['left', 'entity_type', 'in'], 'is');
      const left = expr(b['left'], depth + 1);
      const entityType = str(b['entity_type'], 'is entity_type');
      if (b['in'] === undefined) return { kind: 'is', left, entityType };
      return { kind: 'is', left, entityType, in: expr(b['in'], depth + 1) };
    }
    default:
      // Comparisons, arithmetic, context, records, tags, extension functions, slots, unknowns...
      return reject(`unsupported expression kind ${key}`);
  }
}
