/**
 * The typed AST of the Cedar subset the fast path compiles. est.ts builds it from cedar-wasm's JSON
 * form (EST) after checking every node; anything outside the subset has no representation here, so
 * the compiler cannot be handed a construct whose semantics it does not implement.
 */

/** An entity reference: `type` is fully qualified (`file_system::Dir`), `id` any string. */
export interface Uid {
  readonly type: string;
  readonly id: string;
}

/** A literal in a policy: Cedar Bool, Long (a safe integer here), String or entity reference. */
export type Literal =
  | { readonly kind: 'bool'; readonly value: boolean }
  | { readonly kind: 'long'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'entity'; readonly value: Uid };

export type VarName = 'principal' | 'action' | 'resource';

/** One element of a `like` pattern: a literal character run or `*`. */
export type PatternElem = { readonly kind: 'literal'; readonly text: string } | { readonly kind: 'wildcard' };

export type Expr =
  | { readonly kind: 'lit'; readonly value: Literal }
  | { readonly kind: 'var'; readonly name: VarName }
  /** A set written out in the policy, of literals only (`[A, B]`, `["a", "b"]`). */
  | { readonly kind: 'set'; readonly elements: readonly Literal[] }
  /** `a && b && c` as one list (Cedar nests it to the left; flattening keeps long chains shallow). */
  | { readonly kind: 'and' | 'or'; readonly args: readonly Expr[] }
  | { readonly kind: 'eq' | 'neq' | 'in'; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'not'; readonly arg: Expr }
  | { readonly kind: 'if'; readonly cond: Expr; readonly then: Expr; readonly else: Expr }
  /** `[..].contains(arg)`: the receiver must be a literal set. */
  | { readonly kind: 'contains'; readonly set: readonly Literal[]; readonly arg: Expr }
  | { readonly kind: 'like'; readonly left: Expr; readonly pattern: readonly PatternElem[] }
  | { readonly kind: 'has' | 'attr'; readonly left: Expr; readonly attr: string }
  | { readonly kind: 'is'; readonly left: Expr; readonly entityType: string; readonly in?: Expr };

/** A principal or resource scope clause. */
export type VarScope =
  | { readonly op: 'all' }
  | { readonly op: 'eq'; readonly entity: Uid }
  | { readonly op: 'in'; readonly entity: Uid }
  | { readonly op: 'is'; readonly entityType: string; readonly in?: Uid };

/** The action scope clause. */
export type ActionScope =
  | { readonly op: 'all' }
  | { readonly op: 'eq'; readonly entity: Uid }
  | { readonly op: 'in'; readonly entities: readonly Uid[] };

export interface Condition {
  readonly kind: 'when' | 'unless';
  readonly body: Expr;
}

export interface PolicyAst {
  readonly effect: 'permit' | 'forbid';
  readonly principal: VarScope;
  readonly action: ActionScope;
  readonly resource: VarScope;
  readonly conditions: readonly Condition[];
}
