import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { EMPTY_REVOCATIONS, loadRevocationList, loadTrust, type HostIdentity, type RevocationList, type TrustStore } from '../bundle/index.js';
import { PolicyError, loadPolicyFile, validatePolicy } from '../policy/index.js';
import type { RunLimits } from '../runner/index.js';
import { AgentConfigError, type AgentConfig } from './config/index.js';

/**
 * Everything a SIGHUP reloads: trust, revocations, ceiling, audience identity and limit caps, all
 * loaded and checked at once. A reload that fails leaves the previous runtime in force.
 */
export interface AgentRuntime {
  readonly config: AgentConfig;
  readonly trust: TrustStore;
  readonly revocations: RevocationList;
  readonly ceiling: { readonly path: string; readonly text: string } | null;
  readonly host: HostIdentity;
  readonly caps: RunLimits;
}

export function buildRuntime(config: AgentConfig): AgentRuntime {
  let ceiling: AgentRuntime['ceiling'] = null;
  if (config.ceiling) {
    try {
      // Validated here so a broken ceiling stops the agent (or the reload), never a run.
      const source = loadPolicyFile(config.ceiling);
      validatePolicy(source);
      ceiling = { path: source.path, text: readFileSync(config.ceiling, 'utf8') };
    } catch (err) {
      if (err instanceof PolicyError) throw new AgentConfigError('CONFIG_INVALID', `ceiling: ${err.message}`, { cause: err });
      throw err;
    }
  }
  return {
    config,
    trust: loadTrust(config.trust.paths),
    revocations: config.trust.revoked ? loadRevocationList(config.trust.revoked) : EMPTY_REVOCATIONS,
    ceiling,
    host: { name: config.host.name ?? hostname(), tags: config.host.tags },
    caps: {
      timeoutMs: config.limits.timeout,
      memoryMiB: config.limits.memory,
      maxOps: config.limits.maxOps,
      maxOutputBytes: config.limits.maxOutput,
    },
  };
}
