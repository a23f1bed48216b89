/**
 * Decisions per second for distinct file requests (File + 4 ancestor Dirs = 5 entities, no cache
 * hits), through CedarGate with the compiled fast path and with `fastPath: false` (Cedar for every
 * request). Same policy, same requests, same gate code apart from the option; the median of 5 runs.
 * Run alone: `npx tsx bench/cedar-fast-path.ts`.
 */
import type { AccessRequest } from '../src/sandbox/gate.js';
import { CedarGate, validatePolicy } from '../src/policy/index.js';
import { FILE, pathEntities } from '../src/sandbox/sdk/entities.js';
import { median } from './stats.js';

export interface CedarFastPathResult {
  readonly cedarPerSec: number;
  readonly fastPerSec: number;
}

const POLICY = `permit(principal, action == file_system::Action::"open", resource == file_system::Dir::"/srv/data/app");
permit(principal, action in [file_system::Action::"open", file_system::Action::"read"], resource) when { resource in file_system::Dir::"/srv/data" };
forbid(principal, action, resource is file_system::File) when { resource.path like "*.key" };`;

function perSecond(fastPath: boolean, requests: readonly AccessRequest[]): number {
  const policy = validatePolicy({ path: 'bench.cedar', text: POLICY });
  const gate = new CedarGate({ principal: { type: 'User', id: 'bench' }, policy, fastPath });
  try {
    // Warm up on other requests, so no measured request is a cache hit.
    for (let i = 0; i < 200; i++) gate.authorize(requests[requests.length - 1 - i]!);
    const measured = requests.slice(0, requests.length - 200);
    const start = performance.now();
    let allowed = 0;
    for (const r of measured) if (gate.authorize(r) === 'allow') allowed++;
    const ms = performance.now() - start;
    if (allowed !== measured.length) throw new Error(`expected every bench request allowed, got ${allowed}/${measured.length}`);
    const stats = gate.stats();
    // The two runs must measure what they claim: all Cedar, or all fast path.
    if (fastPath ? stats.cedarCalls !== 0 : stats.fastPathDecisions !== 0) throw new Error(`unexpected path: ${JSON.stringify(stats)}`);
    return (measured.length / ms) * 1000;
  } finally {
    gate.dispose();
  }
}

export function benchCedarFastPath(runs = 5, count = 3000): Promise<CedarFastPathResult> {
  const requests = Array.from({ length: count }, (_, i): AccessRequest => {
    const { resource, entities } = pathEntities(`/srv/data/app/f${i}.txt`, FILE);
    return { action: { type: 'file_system::Action', id: 'read' }, resource, entities, context: {} };
  });
  const cedar: number[] = [];
  const fast: number[] = [];
  for (let i = 0; i < runs; i++) {
    cedar.push(perSecond(false, requests));
    fast.push(perSecond(true, requests));
  }
  return Promise.resolve({ cedarPerSec: median(cedar), fastPerSec: median(fast) });
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const r = await benchCedarFastPath();
  process.stdout.write(`${JSON.stringify({ ...r, speedup: r.fastPerSec / r.cedarPerSec })}\n`);
}
