/** The fleet fan-out bench's results: one fan-out, one fleet size (a point of the curve), the whole run. */

/** One fan-out: a writ to the whole fleet, or one parallel-ssh run. */
export interface FanOutResult {
  readonly ms: number;
  readonly ok: boolean;
  readonly error: string | null;
}

export interface FleetPoint {
  readonly size: number;
  /** Every fan-out at this size finished with every host `ok`. */
  readonly ok: boolean;
  /** Why not, when not ok (or why the size was not attempted). */
  readonly error: string | null;
  /** Seconds to start this size's new agents and warm them (their worker threads, the control host's connections). */
  readonly setupS: number | null;
  readonly writRunsMs: readonly number[];
  readonly writMedianMs: number | null;
  readonly hostsPerSec: number | null;
  readonly psshRunsMs: readonly number[];
  readonly psshMedianMs: number | null;
  /** parallel-ssh median / writ median: above 1, writ is faster. */
  readonly ratio: number | null;
  /** CPU time per host of one timed fan-out: the bench process (control host + API client), and all agent processes. */
  readonly controlCpuMsPerHost: number | null;
  readonly agentCpuMsPerHost: number | null;
  /** Agents in the busiest agent-host process at this size. */
  readonly agentsPerProcess: number;
  /** Resident memory of all agent-host processes together, and of the bench process (control host + client). */
  readonly agentsRssMiB: number;
  readonly controlRssMiB: number;
  /** Open descriptors: the control host's process, and the busiest agent-host process. */
  readonly controlFds: number;
  readonly maxHostFds: number;
}

export interface FleetFanoutResult {
  readonly cores: number;
  readonly processes: number;
  /** Timed fan-outs (and parallel-ssh runs) at 100 agents, and at the other sizes. */
  readonly reps: number;
  readonly curveReps: number;
  /** The soft descriptor limit each process starts with (`ulimit -n`). */
  readonly ulimitN: number | null;
  readonly budgetS: number;
  /** Null when the baseline was skipped; then `psshSkipped` says why. */
  readonly psshSkipped: string | null;
  /** Start-up of parallel-ssh alone (`--version`), part of each of its wall times. */
  readonly psshStartupMs: number | null;
  /** The headline: the 100-agent point. */
  readonly headline: FleetPoint | null;
  readonly curve: readonly FleetPoint[];
  /** The largest size whose fan-outs all completed without errors. */
  readonly largestOk: number | null;
  readonly totalS: number;
}
