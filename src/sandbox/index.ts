/**
 * The sandbox's public face: the engine (runInSandbox), its ports (Gate, HostApi), the run outcome
 * types, the operation budget and the errors host functions throw.
 */
export { runInSandbox, enableSpareInstances } from './engine/index.js';
export { OperationBudget } from './budget.js';
export { AccessDeniedError, LimitExceededError, SandboxError, SdkError } from './errors.js';
export { formatEntityRef } from './gate.js';
export type { AccessRequest, AttrValue, Decision, Entity, EntityRef, Gate } from './gate.js';
export type { HostApi, HostFunction, HostModule, HostValue } from './host-api.js';
export type {
  LogEntry,
  RunErrorInfo,
  RunStatus,
  SandboxLimits,
  SandboxOptions,
  SandboxOutcome,
} from './outcome.js';
