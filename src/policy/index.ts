// Public face of src/policy: Cedar schema, policy loading and validation, and the Gates the runner
// plugs into the sandbox. Everything else in this folder is internal.
export { WRIT_SCHEMA, WRIT_SCHEMA_ID } from './schema.js';
export { PolicyError, formatDiagnostic } from './errors.js';
export type { PolicyErrorCode, PolicyDiagnostic } from './errors.js';
export { loadPolicyFile, decodePolicyBytes } from './policy-source.js';
export type { PolicySource } from './policy-source.js';
export { validatePolicy, isValidatedPolicy } from './validate.js';
export type { ValidatedPolicy } from './validate.js';
export { CedarGate } from './cedar-gate.js';
export type { CedarGateOptions, CedarGateStats, GateProblem } from './cedar-gate.js';
export { AllOfGates } from './all-gates.js';
export { LearningGate, synthesizePolicy } from './learn.js';
export { cedarString } from './cedar-text.js';
export type { SynthesizeOptions } from './learn.js';
