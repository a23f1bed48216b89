import { WritError } from '../../core/errors.js';
import type { AgentRecord } from '../registry/index.js';

const ENTRY = /^(?:tag:)?[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/;

/**
 * TARGET as operators write it: a host name, `tag:NAME`, `all`, or a comma-separated list of those.
 * Resolved against the registry into the agents to reach, each once, in the order named. A name
 * the registry does not know, or a revoked agent named directly, is an error rather than a silent
 * skip: an operator who names a host expects it to be reached. A tag only ever matches active agents.
 */
export function resolveTargets(target: string, agents: readonly AgentRecord[]): AgentRecord[] {
  const entries = target.split(',').map((e) => e.trim()).filter((e) => e.length > 0);
  if (entries.length === 0) throw new WritError('TARGET_EMPTY', 'no target given (a host, tag:NAME, all, or a comma-separated list)');
  const byName = new Map(agents.map((a) => [a.name, a]));
  const chosen = new Map<string, AgentRecord>();
  for (const entry of entries) {
    if (entry === 'all') {
      for (const agent of agents) if (agent.state === 'active') chosen.set(agent.name, agent);
      continue;
    }
    if (!ENTRY.test(entry)) throw new WritError('TARGET_INVALID', `"${entry}" is not a host name or tag:NAME`);
    if (entry.startsWith('tag:')) {
      const tag = entry.slice(4);
      for (const agent of agents) if (agent.state === 'active' && agent.tags.includes(tag)) chosen.set(agent.name, agent);
      continue;
    }
    const agent = byName.get(entry);
    if (!agent) throw new WritError('TARGET_UNKNOWN', `no paired agent is named ${entry} (writ hosts lists them)`);
    // Revoked: its certificate is refused anyway; say so now instead of failing at the handshake.
    if (agent.state !== 'active') throw new WritError('TARGET_REVOKED', `${entry} is revoked`);
    chosen.set(agent.name, agent);
  }
  if (chosen.size === 0) throw new WritError('TARGET_EMPTY', `${target} matches no active agent`);
  return [...chosen.values()];
}
