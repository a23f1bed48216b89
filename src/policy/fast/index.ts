// Public face of src/policy/fast: the compiled fast path CedarGate uses instead of Cedar when every
// policy is in the compilable subset. Everything else in this folder is internal.
export { compileFastPath, FastPath } from './fast-path.js';
export type { CompileResult, FastOutcome } from './fast-path.js';
export { hasLoneSurrogate } from './well-formed.js';
