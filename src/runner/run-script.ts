import { monotonicMs } from '../core/clock.js';
import type { JsonObject } from '../core/json.js';
import { AllOfGates, CedarGate, LearningGate, synthesizePolicy, type ValidatedPolicy } from '../policy/index.js';
import { OperationBudget, runInSandbox, type Gate } from '../sandbox/index.js';
import { createHostApi } from '../sandbox/sdk/index.js';
import type { HostUser } from '../sandbox/sdk/context.js';
import type { RunLimits } from './limits.js';
import { RecordingGate } from './recording-gate.js';
import type { RunReport } from './report.js';
import type { ScriptSource } from './script-source.js';

/** Everything one run needs, already loaded and validated at the edge (CLI, agent). */
export interface RunPlan {
  readonly script: ScriptSource;
  readonly args: JsonObject;
  /** The bundle's policy; absent only in learn mode. */
  readonly policy: ValidatedPolicy | null;
  /** The host owner's policy: when present it must permit too. */
  readonly ceiling: ValidatedPolicy | null;
  readonly limits: RunLimits;
  readonly user: HostUser;
  readonly learn: boolean;
  /** A sealed writ's input files, readable through the guest's `inputs` global. */
  readonly inputs?: ReadonlyMap<string, Uint8Array>;
  readonly onOutput?: (chunk: { stream: 'stdout' | 'log'; text: string }) => void;
}

/** Largest single file/HTTP body/process output brought into the guest: a quarter of its memory. */
function maxReadBytesFor(limits: RunLimits): number {
  return Math.floor((limits.memoryMiB * 1024 * 1024) / 4);
}

function buildGate(plan: RunPlan, principal: { type: string; id: string }): { gate: Gate; learner: LearningGate | null; dispose: () => void } {
  const owned: CedarGate[] = [];
  const cedar = (policy: ValidatedPolicy): CedarGate => {
    const gate = new CedarGate({ principal, policy });
    owned.push(gate);
    return gate;
  };
  const dispose = (): void => {
    for (const g of owned) g.dispose();
  };
  if (plan.learn) {
    const learner = new LearningGate();
    // Learn mode observes, but the host owner's ceiling still binds: learning is not a way around it.
    const gate = plan.ceiling ? new AllOfGates([cedar(plan.ceiling), learner]) : learner;
    return { gate, learner, dispose };
  }
  // Without a policy nothing may happen: fail closed rather than run unauthorized.
  if (!plan.policy) throw new Error('runScript: a policy is required outside learn mode');
  const bundleGate = cedar(plan.policy);
  const gate = plan.ceiling ? new AllOfGates([bundleGate, cedar(plan.ceiling)]) : bundleGate;
  return { gate, learner: null, dispose };
}

/** Runs one script in the sandbox under its policy (and the ceiling) and reports per DESIGN.md. */
export async function runScript(plan: RunPlan): Promise<RunReport> {
  const started = monotonicMs();
  const principal = { type: 'User', id: plan.user.username };
  const { gate, learner, dispose } = buildGate(plan, principal);
  const recorder = new RecordingGate(gate);
  const budget = new OperationBudget(plan.limits.maxOps);
  const sdk = createHostApi({
    gate: recorder,
    budget,
    user: plan.user,
    deadline: started + plan.limits.timeoutMs,
    maxReadBytes: maxReadBytesFor(plan.limits),
    ...(plan.inputs ? { inputs: plan.inputs } : {}),
  });
  try {
    const outcome = await runInSandbox({
      source: plan.script.text,
      filename: plan.script.filename,
      language: plan.script.language,
      args: plan.args,
      host: sdk.api,
      prelude: sdk.prelude,
      limits: { timeoutMs: plan.limits.timeoutMs, memoryMiB: plan.limits.memoryMiB, maxOutputBytes: plan.limits.maxOutputBytes },
      ...(plan.onOutput ? { onOutput: plan.onOutput } : {}),
    });
    const report: RunReport = {
      status: outcome.status,
      result: outcome.result,
      error: outcome.error,
      stdout: outcome.stdout,
      logs: outcome.logs,
      decisions: recorder.decisions,
      metrics: { durationMs: Math.round((monotonicMs() - started) * 1000) / 1000, operations: budget.used },
      truncated: outcome.truncated,
    };
    return learner ? { ...report, learnedPolicy: synthesizePolicy(learner.requests) } : report;
  } finally {
    sdk.dispose();
    dispose();
  }
}
