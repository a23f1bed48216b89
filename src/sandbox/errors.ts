import { WritError } from '../core/errors.js';
import { formatEntityRef, type EntityRef } from './gate.js';

/** Thrown by the SDK when the Gate denies; surfaces in the guest as an error named `AccessDenied`. */
export class AccessDeniedError extends WritError {
  readonly action: string;
  readonly resource: string;

  constructor(action: EntityRef, resource: EntityRef) {
    const a = formatEntityRef(action);
    const r = formatEntityRef(resource);
    super('ACCESS_DENIED', `${a} on ${r} is not permitted`);
    this.action = a;
    this.resource = r;
  }
}

/**
 * A run limit was hit (operations, output, read size). Ends the run with status `limit`; the engine
 * must not let the guest swallow it.
 */
export class LimitExceededError extends WritError {}

/**
 * A host operation failed for a reason other than authorization (bad argument, ENOENT, not a
 * regular file, systemd absent, ...). Surfaces in the guest as a catchable error with `.code`.
 */
export class SdkError extends WritError {}

/** The sandbox engine itself failed (WASM load, internal invariant). */
export class SandboxError extends WritError {}
