import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type { DetailedError } from '@cedar-policy/cedar-wasm/nodejs';
import { findComplexityProblem } from './complexity.js';
import { PolicyError, type PolicyDiagnostic } from './errors.js';
import { SourceMap } from './locate.js';
import type { PolicySource } from './policy-source.js';
import { WRIT_SCHEMA } from './schema.js';

declare const validatedBrand: unique symbol;

/**
 * A policy that parsed and validated against writ's schema in strict mode. Only validatePolicy makes
 * one (the brand is not constructible elsewhere and CedarGate also checks at run time), so holding a
 * ValidatedPolicy proves the check happened: "validate once at the edge into a trusted type".
 */
export interface ValidatedPolicy {
  readonly [validatedBrand]: true;
  readonly source: PolicySource;
  /** Cedar policy id -> policy text. Ids are Cedar's own (`policy0`, `policy1`, ... in file order). */
  readonly policies: Readonly<Record<string, string>>;
  /** Validator warnings (not errors): shown by `writ policy check`, never block a run. */
  readonly warnings: readonly PolicyDiagnostic[];
}

// Run-time proof of origin, so a value cast to ValidatedPolicy cannot reach a gate unvalidated.
const issued = new WeakSet<object>();

export function isValidatedPolicy(value: unknown): value is ValidatedPolicy {
  return typeof value === 'object' && value !== null && issued.has(value);
}

/**
 * Parses `source` and validates it against WRIT_SCHEMA (strict mode). Any parse or validation error
 * raises POLICY_INVALID naming file:line:column. An empty policy is valid and denies everything.
 */
export function validatePolicy(source: PolicySource): ValidatedPolicy {
  const map = new SourceMap(source.text);
  const fail = (errors: readonly DetailedError[]): never => {
    throw new PolicyError('POLICY_INVALID', source.path, errors.map((e) => diagnose(e, map)));
  };

  // Bound the text's nesting before Cedar's recursive parser sees it: a crash there poisons the process.
  const tooComplex = findComplexityProblem(source.text);
  if (tooComplex) {
    const where = map.locate(map.byteOffsetOf(tooComplex.index));
    throw new PolicyError('POLICY_INVALID', source.path, [{ message: tooComplex.message, ...where }]);
  }

  // Parse the whole text once: error offsets are then relative to the file, not to one policy.
  const split = cedar.policySetTextToParts(source.text);
  if (split.type !== 'success') return fail(split.errors);

  // writ never links templates, so a slot (?principal / ?resource) could only be a mistake that
  // would silently never match; refuse it instead.
  const template = split.policy_templates[0];
  if (template !== undefined) {
    const at = source.text.indexOf(template);
    const where = at === -1 ? {} : map.locate(map.byteOffsetOf(at));
    throw new PolicyError('POLICY_INVALID', source.path, [
      { message: 'policy templates (?principal / ?resource slots) are not supported', ...where },
    ]);
  }

  // Validate the text as one string so that validator locations are file offsets too.
  const answer = cedar.validate({
    schema: WRIT_SCHEMA,
    policies: { staticPolicies: source.text },
    validationSettings: { mode: 'strict' },
  });
  if (answer.type !== 'success') return fail(answer.errors);
  // cedar-wasm answers type 'success' even when validation found errors: the list decides.
  if (answer.validationErrors.length > 0) return fail(answer.validationErrors.map((v) => v.error));

  const policy: ValidatedPolicy = Object.freeze({
    source: Object.freeze({ path: source.path, text: source.text }),
    policies: Object.freeze(policyMap(split.policies)),
    warnings: Object.freeze(
      [...answer.validationWarnings.map((w) => w.error), ...answer.otherWarnings].map((e) => diagnose(e, map)),
    ),
  }) as unknown as ValidatedPolicy;
  issued.add(policy);
  return policy;
}

/**
 * policySetTextToParts returns the policies sorted by Cedar's ids `policy0..policyN` as strings
 * (so `policy10` sorts before `policy2`); undo that sort so each text gets the id Cedar gave it and
 * decision reasons name the same policy as validation messages do.
 */
function policyMap(sortedParts: readonly string[]): Record<string, string> {
  const ids = sortedParts.map((_, i) => `policy${i}`).sort();
  const out: Record<string, string> = {};
  sortedParts.forEach((text, k) => {
    const id = ids[k];
    if (id !== undefined) out[id] = text;
  });
  return out;
}

/** One Cedar error as a located diagnostic; Cedar's own policy-id prefix is dropped (the location says more). */
function diagnose(error: DetailedError, map: SourceMap): PolicyDiagnostic {
  let message = error.message.replace(/^for policy `[^`]*`, /, '').replace(/^failed to parse policies from string: /, '');
  const label = error.sourceLocations?.[0]?.label;
  if (label) message += ` (${label})`;
  if (error.help) message += `; ${error.help}`;
  const loc = error.sourceLocations?.[0];
  return loc === undefined ? { message } : { message, ...map.locate(loc.start) };
}
