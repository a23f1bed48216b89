import { OperationBudget } from '../../budget.js';
import { formatEntityRef, type AccessRequest, type Decision, type Gate } from '../../gate.js';
import { monotonicMs } from '../../../core/clock.js';
import type { HostUser, SdkContext } from '../context.js';

/** A test rule: allow when it returns true. */
export type Rule = (request: AccessRequest) => boolean;

/** One recorded question, printed the way policies and decision logs spell it. */
export interface Asked {
  readonly action: string;
  readonly resource: string;
  readonly decision: Decision;
  readonly request: AccessRequest;
}

/**
 * Test double for the Gate port: allows a request when any rule matches (deny by default, like
 * Cedar) and records every question asked, so tests can assert the exact requests.
 */
export class RecordingGate implements Gate {
  readonly asked: Asked[] = [];
  #rules: Rule[];

  constructor(rules: readonly Rule[] = []) {
    this.#rules = [...rules];
  }

  allow(rule: Rule): this {
    this.#rules.push(rule);
    return this;
  }

  authorize(request: AccessRequest): Decision {
    const decision: Decision = this.#rules.some((rule) => rule(request)) ? 'allow' : 'deny';
    this.asked.push({ action: formatEntityRef(request.action), resource: formatEntityRef(request.resource), decision, request });
    return decision;
  }

  /** `action on resource` pairs, in order, for compact assertions. */
  pairs(): string[] {
    return this.asked.map((a) => `${a.action} ${a.resource}`);
  }
}

/** Rule: the action is `ns::Action::"name"` (and, optionally, the resource id matches). */
export function allowAction(actionRef: string, resourceId?: string | ((id: string) => boolean)): Rule {
  return (request) => {
    if (formatEntityRef(request.action) !== actionRef) return false;
    if (resourceId === undefined) return true;
    return typeof resourceId === 'string' ? request.resource.id === resourceId : resourceId(request.resource.id);
  };
}

export const TEST_USER: HostUser = { username: 'tester', uid: 1000, groupname: 'testers', gid: 1000 };

/** An SdkContext over `gate` with generous limits unless overridden. */
export function testContext(
  gate: Gate,
  options: { maxOps?: number; timeoutMs?: number; maxReadBytes?: number } = {},
): SdkContext {
  return {
    gate,
    budget: new OperationBudget(options.maxOps ?? 10_000),
    user: TEST_USER,
    deadline: monotonicMs() + (options.timeoutMs ?? 10_000),
    maxReadBytes: options.maxReadBytes ?? 1024 * 1024,
  };
}
