import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type { TypeAndId } from '@cedar-policy/cedar-wasm/nodejs';
import type { Decision } from '../../sandbox/gate.js';
import type { CedarRequest } from '../cedar-json.js';
import { WRIT_SCHEMA } from '../schema.js';
import type { ValidatedPolicy } from '../validate.js';
import { compilePolicy, type CompiledPolicy } from './compile.js';
import { parseEst } from './est.js';
import { buildRequestView } from './request-view.js';
import { buildSchemaModel, type SchemaModel, type SchemaModelResult } from './schema-model.js';
import { CedarEvalError, FastPathUnsupported } from './values.js';

/**
 * The compiled fast path: a ValidatedPolicy turned into JS closures that decide exactly as Cedar
 * would, for policies in a small subset (see est.ts) and well-formed requests (see request-view.ts).
 * Each policy's AST comes from Cedar's own parser (`policyToJson`); nothing here parses Cedar text.
 *
 * Decision rule, as CedarGate applies it to Cedar's answers: allow iff no policy whose scope matched
 * raised an evaluation error, at least one permit is satisfied and no forbid is. When the fast path
 * cannot be certain (a request Cedar might refuse, a value kind not implemented), decide() returns
 * null and the gate asks Cedar.
 */

export interface FastOutcome {
  readonly decision: Decision;
  /** `policyId: message` for each policy that errored; non-empty means deny. */
  readonly errors: readonly string[];
}

export type CompileResult = { readonly ok: true; readonly fastPath: FastPath } | { readonly ok: false; readonly reason: string };

export class FastPath {
  /** Policies whose scope is not `resource == E`: evaluated for every request. */
  private readonly general: CompiledPolicy[] = [];
  /** `resource == E` policies by E's type and id (learned policies are all of this shape). */
  private readonly byResource = new Map<string, Map<string, CompiledPolicy[]>>();

  constructor(
    private readonly model: SchemaModel,
    policies: readonly CompiledPolicy[],
  ) {
    for (const p of policies) {
      const r = p.resourceEq;
      if (r === undefined) {
        this.general.push(p);
        continue;
      }
      let byId = this.byResource.get(r.type);
      if (byId === undefined) this.byResource.set(r.type, (byId = new Map<string, CompiledPolicy[]>()));
      byId.set(r.id, [...(byId.get(r.id) ?? []), p]);
    }
  }

  /** The decision for a converted request, or null when Cedar must decide it. */
  decide(principal: TypeAndId, call: CedarRequest): FastOutcome | null {
    const view = buildRequestView(this.model, principal, call);
    // Not certainly a request Cedar accepts: let Cedar accept or refuse it.
    if (view === null) return null;
    let permitted = false;
    let forbidden = false;
    const errors: string[] = [];
    // A `resource == E` policy for another resource fails its scope, which never errors, so skipping
    // it changes nothing. Every other policy is evaluated, as Cedar does, so every error is seen.
    const forResource = this.byResource.get(view.resource.type)?.get(view.resource.id) ?? [];
    for (const p of this.general.concat(forResource)) {
      let satisfied: boolean;
      try {
        satisfied = p.satisfied(view);
      } catch (err) {
        // Something not implemented: no partial answer, Cedar decides the whole request.
        if (err instanceof FastPathUnsupported) return null;
        // Any other throw is not a Cedar error we understand; the gate falls back to Cedar.
        if (!(err instanceof CedarEvalError)) throw err;
        errors.push(`${p.id}: ${err.message}`);
        continue;
      }
      if (satisfied && p.effect === 'forbid') forbidden = true;
      if (satisfied && p.effect === 'permit') permitted = true;
    }
    // An error in any evaluated policy denies (Cedar would skip it, possibly a forbid).
    const decision = errors.length === 0 && permitted && !forbidden ? 'allow' : 'deny';
    return { decision, errors };
  }
}

let writModel: SchemaModelResult | undefined;

/** The model of WRIT_SCHEMA, built once per process. */
function writSchemaModel(): SchemaModelResult {
  writModel ??= buildSchemaModel(WRIT_SCHEMA);
  return writModel;
}

/**
 * Compiles every policy of `policy`, or explains why not. One policy outside the subset means no
 * fast path at all: a partial fast path could not know what the other policies would say.
 */
export function compileFastPath(policy: ValidatedPolicy): CompileResult {
  return compilePolicies(policy.policies);
}

/**
 * compileFastPath for a bare map of policy id to text. Internal (tests use it to compare with Cedar
 * on policies that would not validate); the gate only ever compiles validated policies.
 */
export function compilePolicies(policies: Readonly<Record<string, string>>): CompileResult {
  try {
    const schema = writSchemaModel();
    if (!schema.ok) return { ok: false, reason: `schema not modelled: ${schema.reason}` };
    const model = schema.model;
    const compiled: CompiledPolicy[] = [];
    for (const [id, text] of Object.entries(policies)) {
      const json = cedar.policyToJson(text);
      if (json.type !== 'success') return { ok: false, reason: `${id}: ${json.errors.map((e) => e.message).join('; ')}` };
      const ast = parseEst(json.json);
      if (!ast.ok) return { ok: false, reason: `${id}: ${ast.reason}` };
      compiled.push(compilePolicy(id, ast.policy));
    }
    return { ok: true, fastPath: new FastPath(model, compiled) };
  } catch (err) {
    // Compiling must never take the gate down; without a fast path Cedar answers everything.
    return { ok: false, reason: `compile failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}
