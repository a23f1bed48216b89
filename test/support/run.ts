import type { JsonObject } from '../../src/core/json.js';
import { validatePolicy } from '../../src/policy/index.js';
import { DEFAULT_LIMITS, currentHostUser, runScript, type RunLimits, type RunReport } from '../../src/runner/index.js';

export interface RunSpec {
  readonly script: string;
  readonly policy?: string;
  readonly ceiling?: string;
  readonly args?: JsonObject;
  readonly limits?: Partial<RunLimits>;
  readonly language?: 'js' | 'ts';
  readonly learn?: boolean;
}

/** Runs a script through the real runner: real Cedar, real SDK, real QuickJS. */
export function run(spec: RunSpec): Promise<RunReport> {
  return runScript({
    script: { filename: spec.language === 'ts' ? 'script.ts' : 'script.js', text: spec.script, language: spec.language ?? 'js' },
    args: spec.args ?? {},
    policy: spec.policy === undefined ? null : validatePolicy({ path: 'policy.cedar', text: spec.policy }),
    ceiling: spec.ceiling === undefined ? null : validatePolicy({ path: 'ceiling.cedar', text: spec.ceiling }),
    limits: { ...DEFAULT_LIMITS, ...spec.limits },
    user: currentHostUser(),
    learn: spec.learn ?? false,
  });
}

export const ALLOW_ALL = 'permit(principal, action, resource);\n';

/** Everything allowed except one action: the policy a denial test needs. */
export function allowAllBut(action: string): string {
  return `${ALLOW_ALL}forbid(principal, action == ${action}, resource);\n`;
}
