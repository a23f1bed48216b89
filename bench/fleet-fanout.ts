/**
 * Fleet fan-out: one writ to N agents through a real control host, against `parallel-ssh` running
 * `true` on N connections to a private sshd, both on this machine in the same run.
 *
 * - Control host: `ControlServer` over a fresh CA and SQLite registry (startTestControl), in this
 *   process, driven through its operator API with FleetApiClient: `run({ target: 'all',
 *   maxConcurrency: max(100, N), follow: false })`, timed from the request to the closing summary
 *   line; a fan-out counts only if every host's result is `ok`.
 * - Agents: the real `Agent` (HTTPS with mutual TLS against the control CA, seal check, replay store,
 *   run store, QuickJS in a worker thread), several per process (bench/agent-host.ts), round-robin
 *   over WRIT_FLEET_PROCS processes (default 4), one worker thread each. Each gets a certificate from
 *   the control CA as pairing issues it (name bound as `writ:host:<name>`, server + client usage) and
 *   is recorded through the registry calls pairing makes (addPairingRequest + approvePairing); the
 *   pairing handshake itself (code shown on both ends, operator approval) is skipped.
 * - The writ: script `null` (the equivalent of `true`), sealed before each fan-out (a fresh nonce:
 *   agents refuse replays) with an Ed25519 key made here that every agent trusts.
 * - Warm: agents start in batches of WRIT_FLEET_BATCH (25), each batch followed by fan-outs 16 hosts at
 *   a time until every host is ok (this warms the worker threads and opens the control host's
 *   connections; its time is the "start-up" column). Every timed fan-out follows an untimed ping over
 *   the same keep-alive mTLS connections, so the timed runs find them open (one closed since, after
 *   a long parallel-ssh turn or a failed host, is re-established untimed).
 * - Baseline: `parallel-ssh -p N -t 120 true` over N lines `127.0.0.1:PORT` to a private sshd
 *   configured with `MaxStartups 1000` and `MaxSessions 1000` (the default 10:30:100 starts refusing
 *   unauthenticated connections beyond 10 and would make ssh look worse than it is). Every ssh
 *   connection is new: that is how parallel-ssh works. It takes turns with the writ runs, so load
 *   changes hit both; at WRIT_FLEET_PSSH_SIZES only (default 10,100: an ssh connection costs this
 *   machine about 0.4 s of CPU). Without sshd or parallel-ssh the baseline says skipped.
 * - Repetitions: WRIT_FLEET_REPS (3) at 100 agents, WRIT_FLEET_CURVE_REPS (3) elsewhere; medians.
 * - The curve: WRIT_FLEET_SIZES (default 10,50,100,200,400,800; 100 is always included, it is the
 *   headline), grown in place. Growth stops at the first size with an error (the reason is printed),
 *   before a size beyond 100 predicted to end past WRIT_FLEET_BUDGET_S (360 s for the whole bench),
 *   and before agents would need more than 60% of the available memory.
 *
 * Run alone: `npx tsx bench/fleet-fanout.ts` (prints a table and the JSON); WRIT_FLEET_DEBUG=1 shows
 * each fan-out's per-host durations on stderr.
 */
import { cpus } from 'node:os';
import { fanOut, grow, startFleet, stopFleet, type Fleet } from './bench-fleet.js';
import { envList, envNumber } from './env.js';
import type { FleetFanoutResult, FleetPoint } from './fleet-result.js';
import { fleetTable } from './fleet-table.js';
import { cpuMs, fdCount, memAvailableMiB, rssMiB, ulimitN } from './process-stats.js';
import { pssh, startPsshBaseline, type PsshBaseline } from './pssh-baseline.js';
import type { PrivateSshd } from './sshd.js';
import { fmt, median } from './stats.js';

export type { FleetFanoutResult, FleetPoint } from './fleet-result.js';
export { fleetTable } from './fleet-table.js';

/** The settings, from the environment variables in the header above. */
interface FleetConfig {
  readonly sizes: readonly number[];
  readonly processes: number;
  readonly reps: number;
  readonly curveReps: number;
  readonly budgetS: number;
  readonly batch: number;
  readonly psshSizes: ReadonlySet<number>;
}

function readConfig(): FleetConfig {
  return {
    sizes: [...new Set([...envList('WRIT_FLEET_SIZES', [10, 50, 100, 200, 400, 800]), 100])].sort((a, b) => a - b),
    processes: envNumber('WRIT_FLEET_PROCS', 4),
    reps: envNumber('WRIT_FLEET_REPS', 3),
    curveReps: envNumber('WRIT_FLEET_CURVE_REPS', 3),
    budgetS: envNumber('WRIT_FLEET_BUDGET_S', 360),
    batch: envNumber('WRIT_FLEET_BATCH', 25),
    // parallel-ssh only at these sizes: an ssh connection costs this machine ~0.4 s of CPU, so 100
    // of them take 20 s or more per run.
    psshSizes: new Set(envList('WRIT_FLEET_PSSH_SIZES', [10, 100])),
  };
}

/** The curve so far, and what it tells about the next size. */
interface CurveState {
  readonly curve: FleetPoint[];
  /** Once set, why no further size is attempted. */
  stop: string | null;
  /** Seconds per added agent at the last size (start, worker warm-up): predicts the next size's cost. */
  setupSPerAgent: number | null;
  /** Seconds of parallel-ssh per connection at the last size it ran. */
  psshSPerConnection: number | null;
}

/** What one size measured; `error` is its first failure, after which nothing more is measured. */
interface SizeRuns {
  error: string | null;
  setupS: number | null;
  readonly writRuns: number[];
  readonly psshRuns: number[];
  readonly controlCpu: number[];
  readonly agentCpu: number[];
}

function notAttempted(size: number, why: string): FleetPoint {
  return { size, ok: false, error: `not attempted: ${why}`, setupS: null, writRunsMs: [], writMedianMs: null, hostsPerSec: null, psshRunsMs: [], psshMedianMs: null, ratio: null, controlCpuMsPerHost: null, agentCpuMsPerHost: null, agentsPerProcess: 0, agentsRssMiB: 0, controlRssMiB: 0, controlFds: 0, maxHostFds: 0 };
}

/** Why `size` is not begun (time budget, memory), or null to begin it. */
function limitReached(cfg: FleetConfig, state: CurveState, fleetSize: number, size: number, runs: number, elapsedS: number): string | null {
  const last = state.curve.at(-1);
  const lastOk = last?.ok === true ? last : undefined;
  // Starting agents is most of the cost (each warms its worker: QuickJS and Cedar compiled), so
  // a size whose predicted start-up alone would end past the budget is not begun.
  const predictedS =
    (state.setupSPerAgent ?? 0) * (size - fleetSize) +
    (lastOk?.writMedianMs == null ? 0 : ((lastOk.writMedianMs / lastOk.size) * size * runs) / 1000) +
    (cfg.psshSizes.has(size) && state.psshSPerConnection !== null ? state.psshSPerConnection * size * runs : 0);
  // The 100-agent headline (and the smaller sizes before it) always run; the budget bounds the curve beyond.
  if (size > 100 && elapsedS + predictedS > cfg.budgetS) {
    return `time budget: ${fmt(elapsedS, 0)} s used, ${size} agents would take ~${fmt(predictedS, 0)} s more, budget ${cfg.budgetS} s (WRIT_FLEET_BUDGET_S)`;
  }
  // Every agent lives on this machine: stop before their memory could bring in the OOM killer.
  const availableMiB = memAvailableMiB();
  if (lastOk !== undefined && lastOk.agentsRssMiB > 0 && availableMiB !== null) {
    const needMiB = Math.round((lastOk.agentsRssMiB / lastOk.size) * (size - lastOk.size));
    if (needMiB > availableMiB * 0.6) {
      return `memory: ${size - lastOk.size} more agents need ~${needMiB} MiB, ${availableMiB} MiB available (every agent shares this machine)`;
    }
  }
  return null;
}

/** Grows the fleet to `size` and warms it; the error that stopped it, or null. */
async function startAgents(fleet: Fleet, size: number, batch: number): Promise<string | null> {
  // Agents start in batches, each followed by fan-outs (16 hosts at a time) until every host
  // answers: a new agent warms its worker thread at start, and hundreds doing that at once on
  // two cores would starve the TLS handshakes (real hosts each warm up on their own CPUs).
  while (fleet.size < size) {
    await grow(fleet, Math.min(size, fleet.size + batch));
    let warm = await fanOut(fleet, 120_000, 16);
    for (let i = 0; i < 3 && !warm.ok; i++) warm = await fanOut(fleet, 120_000, 16);
    if (!warm.ok) return `starting agents: ${warm.error ?? ''}`;
  }
  return null;
}

const hostsCpuMs = (fleet: Fleet): number => fleet.hosts.reduce((sum, h) => sum + cpuMs(h.child.pid ?? 0), 0);

/** One timed writ fan-out, then one parallel-ssh run when `sshd` is given; recorded in `m`. */
async function timedTurn(fleet: Fleet, size: number, sshd: PrivateSshd | null, m: SizeRuns): Promise<void> {
  // Untimed: a ping over the same connections, so the run below finds them open. Retried:
  // after a long parallel-ssh turn the API connection may be closed under us.
  for (let tries = 0; tries < 3; tries++) {
    const pinged = await fleet.client.ping({ target: 'all', maxConcurrency: Math.max(100, size), hostTimeoutMs: 60_000 }, () => undefined).catch(() => null);
    if (pinged?.exitCode === 0) break;
  }
  const cpu0 = process.cpuUsage();
  const hosts0 = hostsCpuMs(fleet);
  const r = await fanOut(fleet, 60_000, Math.max(100, size));
  const cpu = process.cpuUsage(cpu0);
  m.controlCpu.push((cpu.user + cpu.system) / 1000);
  m.agentCpu.push(hostsCpuMs(fleet) - hosts0);
  if (r.ok) m.writRuns.push(r.ms);
  else m.error = r.error;
  if (sshd !== null && m.error === null) {
    const p = pssh(sshd, fleet.dir, size);
    if (p.ok) m.psshRuns.push(p.ms);
    else m.error = `baseline: ${p.error ?? ''}`;
  }
}

/** Starts and warms `size` agents, then `runs` timed turns of writ and (at its sizes) parallel-ssh. */
async function measureSize(fleet: Fleet, cfg: FleetConfig, baseline: PsshBaseline, size: number, runs: number): Promise<SizeRuns> {
  const m: SizeRuns = { error: null, setupS: null, writRuns: [], psshRuns: [], controlCpu: [], agentCpu: [] };
  const sshd = cfg.psshSizes.has(size) ? baseline.sshd : null;
  try {
    const t0 = performance.now();
    m.error = await startAgents(fleet, size, cfg.batch);
    m.setupS = (performance.now() - t0) / 1000;
    if (sshd !== null && m.error === null) pssh(sshd, fleet.dir, Math.min(size, 10)); // the sshd's first forks load its keys
    // writ and parallel-ssh take turns, so a change in the machine's load hits both alike.
    for (let i = 0; i < runs && m.error === null; i++) await timedTurn(fleet, size, sshd, m);
  } catch (err) {
    m.error = err instanceof Error ? err.message : String(err);
  }
  return m;
}

function toPoint(fleet: Fleet, size: number, m: SizeRuns): FleetPoint {
  const writMedianMs = m.writRuns.length > 0 ? median(m.writRuns) : null;
  const psshMedianMs = m.psshRuns.length > 0 ? median(m.psshRuns) : null;
  return {
    size,
    ok: m.error === null,
    error: m.error,
    setupS: m.setupS,
    writRunsMs: m.writRuns,
    writMedianMs,
    hostsPerSec: writMedianMs === null ? null : size / (writMedianMs / 1000),
    psshRunsMs: m.psshRuns,
    psshMedianMs,
    ratio: psshMedianMs !== null && writMedianMs !== null ? psshMedianMs / writMedianMs : null,
    controlCpuMsPerHost: m.controlCpu.length > 0 ? median(m.controlCpu) / size : null,
    agentCpuMsPerHost: m.agentCpu.length > 0 ? median(m.agentCpu) / size : null,
    agentsPerProcess: Math.max(...fleet.hosts.map((h) => h.agents)),
    agentsRssMiB: fleet.hosts.reduce((sum, h) => sum + rssMiB(h.child.pid ?? 0), 0),
    controlRssMiB: rssMiB(process.pid),
    controlFds: fdCount(process.pid),
    maxHostFds: Math.max(...fleet.hosts.map((h) => fdCount(h.child.pid ?? 0))),
  };
}

export async function benchFleetFanout(): Promise<FleetFanoutResult> {
  const started = performance.now();
  const cfg = readConfig();
  const fleet = await startFleet(cfg.processes);
  const baseline = startPsshBaseline(fleet.dir);
  const state: CurveState = { curve: [], stop: null, setupSPerAgent: null, psshSPerConnection: null };
  try {
    for (const size of cfg.sizes) {
      const elapsedS = (performance.now() - started) / 1000;
      const runs = size === 100 ? cfg.reps : cfg.curveReps;
      const skip = state.stop ?? limitReached(cfg, state, fleet.size, size, runs, elapsedS);
      if (skip !== null) {
        state.stop = skip;
        state.curve.push(notAttempted(size, skip));
        continue;
      }
      process.stderr.write(`fleet-fanout: ${size} agents (${fmt(elapsedS, 0)} s so far)\n`);
      const from = fleet.size;
      const m = await measureSize(fleet, cfg, baseline, size, runs);
      if (m.setupS !== null) state.setupSPerAgent = m.setupS / Math.max(1, size - from);
      const point = toPoint(fleet, size, m);
      if (point.psshMedianMs !== null) state.psshSPerConnection = point.psshMedianMs / 1000 / size;
      state.curve.push(point);
      if (m.error !== null) state.stop = `${size} agents failed: ${m.error}`;
    }
  } finally {
    baseline.sshd?.stop();
    await stopFleet(fleet);
  }
  const { curve } = state;
  const okSizes = curve.filter((p) => p.ok).map((p) => p.size);
  return {
    cores: cpus().length,
    processes: cfg.processes,
    reps: cfg.reps,
    curveReps: cfg.curveReps,
    ulimitN: ulimitN(),
    budgetS: cfg.budgetS,
    psshSkipped: baseline.skipped,
    psshStartupMs: baseline.startupMs,
    headline: curve.find((p) => p.size === 100) ?? null,
    curve,
    largestOk: okSizes.length > 0 ? Math.max(...okSizes) : null,
    totalS: (performance.now() - started) / 1000,
  };
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const result = await benchFleetFanout();
  process.stdout.write(`fleet fan-out on ${result.cores} cores, Node ${process.version}, ${result.processes} agent processes, ${result.reps} reps at 100 agents (${result.curveReps} elsewhere), ulimit -n ${String(result.ulimitN)}\n\n`);
  process.stdout.write(`${fleetTable(result)}\n\n`);
  process.stdout.write(`largest fleet without errors: ${String(result.largestOk)}; parallel-ssh: ${result.psshSkipped ?? `start-up ${fmt(result.psshStartupMs ?? 0, 0)} ms`}\n\n`);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
