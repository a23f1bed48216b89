import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type { AuthorizationAnswer, EntityJson, TypeAndId } from '@cedar-policy/cedar-wasm/nodejs';
import { messageOf } from '../core/errors.js';
import type { AccessRequest, Decision, EntityRef, Gate } from '../sandbox/gate.js';
import { cacheKey, toCedarRef, toCedarRequest } from './cedar-json.js';
import { PolicyError } from './errors.js';
import { compileFastPath, hasLoneSurrogate, type FastOutcome, type FastPath } from './fast/index.js';
import { WRIT_SCHEMA, WRIT_SCHEMA_ID } from './schema.js';
import { isValidatedPolicy, type ValidatedPolicy } from './validate.js';

/** Why a request was denied without a clean Cedar decision; for logs, never for the decision itself. */
export interface GateProblem {
  readonly request: AccessRequest;
  /** `failure`: Cedar refused the request; `evaluation-error`: a policy errored; `exception`: a throw. */
  readonly kind: 'failure' | 'evaluation-error' | 'exception';
  readonly messages: readonly string[];
}

export interface CedarGateOptions {
  /** Who the script acts as: `User::"<name>"` (the only principal type in the schema). */
  readonly principal: EntityRef;
  readonly policy: ValidatedPolicy;
  /** Most decisions remembered; 0 turns the cache off. Default 10,000. */
  readonly cacheSize?: number;
  /** Called whenever the gate denies because Cedar could not give a clean answer. */
  readonly onProblem?: (problem: GateProblem) => void;
  /**
   * Decide in JS, without calling Cedar, when every policy is in the compiled subset (src/policy/fast).
   * Decisions are identical either way; `false` forces Cedar for every request. Default true.
   */
  readonly fastPath?: boolean;
}

export interface CedarGateStats {
  readonly decisions: number;
  readonly cacheHits: number;
  readonly cedarCalls: number;
  /** Decisions made by the compiled fast path (which is not cached: it is cheaper than the cache key). */
  readonly fastPathDecisions: number;
}

const DEFAULT_CACHE_SIZE = 10_000;

/**
 * The sandbox's Gate backed by Cedar. Policies and schema are preparsed once into cedar-wasm's
 * per-thread cache and each request is answered with statefulIsAuthorized (~8x faster than parsing
 * on every call). Only the principal and the request's own entities are sent, and decisions are
 * cached per gate because Cedar is deterministic for identical input.
 *
 * Fail closed everywhere: anything other than a clean `allow` with no evaluation errors is `deny`.
 */
export class CedarGate implements Gate {
  private readonly principal: TypeAndId;
  private readonly principalEntity: EntityJson;
  private readonly policySetId: string;
  private readonly cache = new Map<string, Decision>();
  private readonly cacheSize: number;
  private readonly onProblem: ((problem: GateProblem) => void) | undefined;
  private disposed = false;
  private decisions = 0;
  private cacheHits = 0;
  private cedarCalls = 0;
  private fastPathDecisions = 0;
  /**
   * Compiled on first use (a script that never asks pays nothing; compiling costs about what Cedar's
   * own cold first call does). Null when disabled or when some policy is outside the compilable
   * subset: then Cedar decides everything.
   */
  private fastPath: FastPath | null | undefined;
  private fastPathReason: string | null = null;
  private readonly policy: ValidatedPolicy;

  constructor(options: CedarGateOptions) {
    // A cast cannot smuggle an unvalidated policy in: only validatePolicy's own results are accepted.
    if (!isValidatedPolicy(options.policy)) throw new TypeError('CedarGate needs a policy returned by validatePolicy');
    this.principal = toCedarRef(options.principal);
    // The schema allows only User principals; any other type would make every request fail.
    if (this.principal.type !== 'User') throw new TypeError(`principal must be a User, not ${this.principal.type}`);
    this.principalEntity = { uid: this.principal, attrs: {}, parents: [] };
    this.cacheSize = Math.max(0, Math.trunc(options.cacheSize ?? DEFAULT_CACHE_SIZE));
    this.onProblem = options.onProblem;
    ensureSchemaPreparsed();
    this.policySetId = preparsedIds.allocate();
    const parsed = cedar.preparsePolicySet(this.policySetId, { staticPolicies: { ...options.policy.policies } });
    if (parsed.type !== 'success') {
      preparsedIds.release(this.policySetId);
      const file = options.policy.source.path;
      throw new PolicyError('POLICY_INVALID', file, parsed.errors.map((e) => ({ message: e.message })));
    }
    // If a caller forgets dispose(), the preparsed set is still released once this gate is collected.
    finalizer.register(this, this.policySetId, this);
    this.policy = options.policy;
    if (options.fastPath === false) {
      this.fastPath = null;
      this.fastPathReason = 'disabled by option';
    }
  }

  authorize(request: AccessRequest): Decision {
    this.decisions++;
    // After dispose() the preparsed id may already hold another gate's policies.
    if (this.disposed) return 'deny';
    let call: ReturnType<typeof toCedarRequest>;
    try {
      call = toCedarRequest(request);
    } catch (err) {
      // A request that cannot be expressed exactly in Cedar's value model is not evaluated at all.
      return this.problem(request, 'exception', [messageOf(err)]);
    }
    // The fast path sees the same converted request Cedar would, and answers only when it is sure.
    // It goes before the cache because a fast decision costs less than computing the cache key.
    const fast = this.decideFast(call);
    if (fast !== null) {
      this.fastPathDecisions++;
      // An evaluation error denies, exactly as for Cedar's answers (see interpret()).
      return fast.errors.length > 0 ? this.problem(request, 'evaluation-error', [...fast.errors]) : fast.decision;
    }
    // Keyed on the exact Cedar input, so a hit is a request Cedar would answer identically.
    const key = this.cacheSize > 0 ? cacheKey(call) : '';
    const cached = this.cacheSize > 0 ? this.cache.get(key) : undefined;
    if (cached !== undefined) {
      this.cacheHits++;
      return cached;
    }
    // cedar-wasm throws on lone surrogates (so this is its answer anyway) and leaks WASM stack on
    // each throw until it breaks for the whole process: deny these without calling it.
    if (hasLoneSurrogate(this.principal, call)) return this.problem(request, 'exception', ['request holds a lone UTF-16 surrogate']);
    let answer: AuthorizationAnswer;
    try {
      this.cedarCalls++;
      answer = cedar.statefulIsAuthorized({
        principal: this.principal,
        action: call.action,
        resource: call.resource,
        context: call.context,
        // Only the principal plus this request's entities: each extra entity costs ~20 µs per call.
        entities: [this.principalEntity, ...call.entities],
        preparsedSchemaName: WRIT_SCHEMA_ID,
        preparsedPolicySetId: this.policySetId,
        // Check the request and its entities against the schema: a malformed request is refused.
        validateRequest: true,
      });
    } catch (err) {
      // A throw from the WASM boundary is not a decision; deny, and do not cache it.
      return this.problem(request, 'exception', [messageOf(err)]);
    }
    const decision = this.interpret(request, answer);
    this.remember(key, decision);
    return decision;
  }

  /** Releases the preparsed policy set; every later authorize() denies. Safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    finalizer.unregister(this);
    preparsedIds.release(this.policySetId);
    this.cache.clear();
  }

  stats(): CedarGateStats {
    return {
      decisions: this.decisions,
      cacheHits: this.cacheHits,
      cedarCalls: this.cedarCalls,
      fastPathDecisions: this.fastPathDecisions,
    };
  }

  /** Why there is no fast path, or null when there is one (compiles it if not done yet). */
  get fastPathUnavailable(): string | null {
    this.compileFastPathOnce();
    return this.fastPathReason;
  }

  private compileFastPathOnce(): FastPath | null {
    if (this.fastPath !== undefined) return this.fastPath;
    // compileFastPath never throws; a failure is a reason, and Cedar then decides everything.
    const compiled = compileFastPath(this.policy);
    this.fastPath = compiled.ok ? compiled.fastPath : null;
    this.fastPathReason = compiled.ok ? null : compiled.reason;
    return this.fastPath;
  }

  private decideFast(call: ReturnType<typeof toCedarRequest>): FastOutcome | null {
    const fastPath = this.compileFastPathOnce();
    if (fastPath === null) return null;
    try {
      return fastPath.decide(this.principal, call);
    } catch {
      // An unexpected throw in the fast path is not a decision: Cedar, the reference, answers instead.
      return null;
    }
  }

  private interpret(request: AccessRequest, answer: AuthorizationAnswer): Decision {
    // `failure` means Cedar refused to evaluate (request or entities not matching the schema, ...).
    if (answer.type !== 'success') {
      return this.problem(request, 'failure', answer.errors.map((e) => e.message));
    }
    const errors = answer.response.diagnostics.errors;
    // Cedar skips a policy whose evaluation errors; a skipped forbid can turn deny into allow, so
    // ANY evaluation error denies (a missing or non-array error list is treated as an error too).
    if (!Array.isArray(errors) || errors.length > 0) {
      const list = Array.isArray(errors) ? errors : [];
      return this.problem(request, 'evaluation-error', list.map((e) => `${e.policyId}: ${e.error.message}`));
    }
    // Only an explicit allow allows; any other value (including a future third one) denies.
    return answer.response.decision === 'allow' ? 'allow' : 'deny';
  }

  private problem(request: AccessRequest, kind: GateProblem['kind'], messages: string[]): 'deny' {
    try {
      this.onProblem?.({ request, kind, messages });
    } catch {
      // A failing logger must not change (or throw out of) the decision.
    }
    return 'deny';
  }

  private remember(key: string, decision: Decision): void {
    if (this.cacheSize === 0) return;
    // Bounded memory: evict the oldest entry (Map keeps insertion order).
    if (this.cache.size >= this.cacheSize) {
      const oldest = this.cache.keys().next();
      if (oldest.done !== true) this.cache.delete(oldest.value);
    }
    this.cache.set(key, decision);
  }
}

let schemaPreparsed = false;

function ensureSchemaPreparsed(): void {
  if (schemaPreparsed) return;
  const answer = cedar.preparseSchema(WRIT_SCHEMA_ID, WRIT_SCHEMA);
  if (answer.type !== 'success') {
    // Our own schema not parsing is a build defect, not a user error.
    throw new Error(`writ schema does not parse: ${answer.errors.map((e) => e.message).join('; ')}`);
  }
  schemaPreparsed = true;
}

/**
 * Ids for cedar-wasm's preparsed policy sets. cedar-wasm has no call to drop one, so a released id
 * is overwritten with an empty set (freeing the policies) and reused by the next gate; the number of
 * cache slots is then bounded by the number of gates alive at once. Unique per live gate.
 */
const preparsedIds = new (class PreparsedIds {
  private next = 0;
  private readonly free: string[] = [];

  allocate(): string {
    return this.free.pop() ?? `writ-policy-${this.next++}`;
  }

  release(id: string): void {
    cedar.preparsePolicySet(id, { staticPolicies: {} });
    this.free.push(id);
  }
})();

const finalizer = new FinalizationRegistry<string>((id) => {
  preparsedIds.release(id);
});
