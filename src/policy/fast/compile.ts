import type { CedarValueJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { ActionScope, Expr, Literal, PolicyAst, Uid, VarScope } from './ast.js';
import { compileLike } from './like.js';
import type { RequestView } from './request-view.js';
import { CedarEvalError, EntityValue, FastPathUnsupported, RecordValue, SetValue, fromJson, kindOf, valueEquals, type Value } from './values.js';

/**
 * Compiles a policy's AST into closures that evaluate it with Cedar's semantics: strict Bool operands
 * for `&&`, `||`, `!` and `if` (anything else is a type error), left-to-right short-circuit, `==`
 * across kinds is false, `in` is reflexive and follows parents, reading a missing entity or attribute
 * is an error while `has` on them is false. An error stops that policy with CedarEvalError.
 */

type Eval = (view: RequestView) => Value;

export interface CompiledPolicy {
  readonly id: string;
  readonly effect: 'permit' | 'forbid';
  /** The entity of a `resource == E` scope, so a policy set can be indexed by resource. */
  readonly resourceEq: Uid | undefined;
  /** True when the scope matches and every condition holds; throws CedarEvalError like Cedar errors. */
  readonly satisfied: (view: RequestView) => boolean;
}

function literalValue(l: Literal): Value {
  return l.kind === 'entity' ? new EntityValue(l.value.type, l.value.id) : l.value;
}

function typeError(expected: string, got: Value): never {
  throw new CedarEvalError(`type error: expected ${expected}, got ${kindOf(got)}`);
}

function bool(v: Value): boolean {
  // Cedar never coerces: a non-Bool where a Bool is needed is an evaluation error.
  if (typeof v !== 'boolean') typeError('Bool', v);
  return v;
}

function entity(v: Value): EntityValue {
  if (!(v instanceof EntityValue)) typeError('Entity', v);
  return v;
}

/** `left in right` where right is an entity or a set of entities (every element checked first, as Cedar does). */
function inRelation(view: RequestView, left: EntityValue, right: Value): boolean {
  if (right instanceof EntityValue) return view.isIn(left, right);
  if (!(right instanceof SetValue)) return typeError('Entity or Set', right);
  const targets = right.elements.map(entity);
  return targets.some((t) => view.isIn(left, t));
}

function attrsOf(view: RequestView, v: Value, forHas: boolean): Readonly<Record<string, CedarValueJson>> | undefined {
  if (v instanceof EntityValue) {
    const data = view.entity(v);
    // Reading an attribute of an entity the request does not hold is an error; `has` is just false.
    if (data === undefined && !forHas) throw new CedarEvalError(`entity ${v.type}::${JSON.stringify(v.id)} does not exist`);
    return data?.attrs;
  }
  if (v instanceof RecordValue) return v.attrs;
  return typeError('Entity or Record', v);
}

export function compileExpr(e: Expr): Eval {
  switch (e.kind) {
    case 'lit': {
      const value = literalValue(e.value);
      return () => value;
    }
    case 'var':
      return (view) => view[e.name];
    case 'set': {
      const value = new SetValue(e.elements.map(literalValue));
      return () => value;
    }
    case 'and': {
      const args = e.args.map(compileExpr);
      // Left to right; an operand is evaluated only while all before it were true, so its errors
      // only count then. Every evaluated operand must be a Bool.
      return (view) => {
        for (const a of args) if (!bool(a(view))) return false;
        return true;
      };
    }
    case 'or': {
      const args = e.args.map(compileExpr);
      return (view) => {
        for (const a of args) if (bool(a(view))) return true;
        return false;
      };
    }
    case 'not': {
      const arg = compileExpr(e.arg);
      return (view) => !bool(arg(view));
    }
    case 'if': {
      const [c, t, f] = [compileExpr(e.cond), compileExpr(e.then), compileExpr(e.else)];
      return (view) => (bool(c(view)) ? t(view) : f(view));
    }
    case 'eq':
    case 'neq': {
      const [l, r] = [compileExpr(e.left), compileExpr(e.right)];
      const negate = e.kind === 'neq';
      return (view) => {
        const left = l(view);
        return valueEquals(left, r(view)) !== negate;
      };
    }
    case 'in': {
      const [l, r] = [compileExpr(e.left), compileExpr(e.right)];
      return (view) => {
        const left = entity(l(view));
        return inRelation(view, left, r(view));
      };
    }
    case 'contains': {
      const set = e.set.map(literalValue);
      const arg = compileExpr(e.arg);
      return (view) => {
        const v = arg(view);
        return set.some((s) => valueEquals(s, v));
      };
    }
    case 'like': {
      const [l, match] = [compileExpr(e.left), compileLike(e.pattern)];
      return (view) => {
        const v = l(view);
        if (typeof v !== 'string') return typeError('String', v);
        return match(v);
      };
    }
    case 'has': {
      const [l, attr] = [compileExpr(e.left), e.attr];
      return (view) => {
        const attrs = attrsOf(view, l(view), true);
        // Own properties only: `has toString` or `has __proto__` must not see Object.prototype.
        return attrs !== undefined && Object.hasOwn(attrs, attr);
      };
    }
    case 'attr': {
      const [l, attr] = [compileExpr(e.left), e.attr];
      return (view) => {
        const attrs = attrsOf(view, l(view), false);
        if (attrs === undefined || !Object.hasOwn(attrs, attr)) throw new CedarEvalError(`attribute ${attr} does not exist`);
        const value = attrs[attr];
        // An explicit undefined never passes the request check; if one did, Cedar decides.
        if (value === undefined) throw new FastPathUnsupported('undefined attribute value');
        return fromJson(value);
      };
    }
    case 'is': {
      const l = compileExpr(e.left);
      const type = e.entityType;
      const inner = e.in === undefined ? undefined : compileExpr(e.in);
      return (view) => {
        const left = entity(l(view));
        // `x is T in E` is `x is T && x in E`: E is only evaluated when the type matches.
        if (left.type !== type) return false;
        return inner === undefined || inRelation(view, left, inner(view));
      };
    }
  }
}

type ScopeTest = ((view: RequestView) => boolean) | null;

function varScope(scope: VarScope, pick: (view: RequestView) => EntityValue): ScopeTest {
  switch (scope.op) {
    case 'all':
      return null;
    case 'eq': {
      const target = new EntityValue(scope.entity.type, scope.entity.id);
      return (view) => valueEquals(pick(view), target);
    }
    case 'in': {
      const target = new EntityValue(scope.entity.type, scope.entity.id);
      return (view) => view.isIn(pick(view), target);
    }
    case 'is': {
      const { entityType } = scope;
      const target = scope.in === undefined ? undefined : new EntityValue(scope.in.type, scope.in.id);
      return (view) => {
        const v = pick(view);
        return v.type === entityType && (target === undefined || view.isIn(v, target));
      };
    }
  }
}

function actionScope(scope: ActionScope): ScopeTest {
  switch (scope.op) {
    case 'all':
      return null;
    case 'eq': {
      const target = new EntityValue(scope.entity.type, scope.entity.id);
      return (view) => valueEquals(view.action, target);
    }
    case 'in': {
      // Groups come from the schema's action hierarchy through the request view's store.
      const targets = scope.entities.map((u) => new EntityValue(u.type, u.id));
      return (view) => targets.some((t) => view.isIn(view.action, t));
    }
  }
}

export function compilePolicy(id: string, policy: PolicyAst): CompiledPolicy {
  // Cedar evaluates a policy as `scope && when... && !unless...`, left to right with short-circuit.
  const tests: ((view: RequestView) => boolean)[] = [];
  for (const t of [varScope(policy.principal, (v) => v.principal), actionScope(policy.action), varScope(policy.resource, (v) => v.resource)]) {
    if (t !== null) tests.push(t);
  }
  for (const c of policy.conditions) {
    const body = compileExpr(c.body);
    // A condition body that is not a Bool is a type error in Cedar, for `when` and `unless` alike.
    tests.push(c.kind === 'when' ? (view) => bool(body(view)) : (view) => !bool(body(view)));
  }
  const resourceEq = policy.resource.op === 'eq' ? policy.resource.entity : undefined;
  return { id, effect: policy.effect, resourceEq, satisfied: (view) => tests.every((t) => t(view)) };
}
