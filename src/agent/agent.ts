import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { DirectoryReplayStore, POLICY_FILE } from '../bundle/index.js';
import { capLimits, currentHostUser } from '../runner/index.js';
import type { LogSlice, RunEvent, RunService, RunView, Submission, SubmitResult, Transport } from '../transport/index.js';
import { defaultStateDir } from '../core/state-dir.js';
import { AgentConfigError, loadAgentConfig, type AgentConfig } from './config/index.js';
import { ExecutorPool, type ExecJob } from './executor/index.js';
import { admit, type Admission } from './intake.js';
import { createAgentLogger, type AgentLogger } from './logger.js';
import { AgentMetrics } from './metrics.js';
import { RunEvents } from './run-events.js';
import { toRunView } from './run-view.js';
import { buildRuntime, type AgentRuntime } from './runtime.js';
import { RunScheduler } from './scheduler.js';
import { FINAL_STATES, SqliteRunStore } from './store/index.js';

export interface AgentOptions {
  readonly configPath: string;
  readonly transports: (config: AgentConfig, onError: (transport: string, err: unknown) => void) => Transport[];
  readonly logDestination?: NodeJS.WritableStream;
}

/**
 * The daemon on a managed host, with an explicit lifecycle: `create` (config, store, recovery),
 * `start` (transports), `reload` (SIGHUP), `shutdown` (SIGTERM: stop taking work, drain, close).
 */
export class Agent implements RunService {
  private runtime: AgentRuntime;
  private readonly events = new RunEvents();
  private readonly metricsRegistry = new AgentMetrics();
  private readonly scheduler: RunScheduler;
  private readonly transports: Transport[];
  private readonly replay: DirectoryReplayStore;
  private readonly retentionTimer: NodeJS.Timeout;
  private stopping = false;

  private constructor(
    private readonly options: AgentOptions,
    config: AgentConfig,
    private readonly store: SqliteRunStore,
    private readonly pool: ExecutorPool,
    readonly log: AgentLogger,
  ) {
    this.runtime = buildRuntime(config);
    const stateDir = config.stateDir ?? defaultStateDir();
    this.replay = new DirectoryReplayStore(join(stateDir, 'replay'));
    this.scheduler = new RunScheduler(store, pool, config.runs.queue, this.events, this.metricsRegistry, log);
    this.transports = options.transports(config, (transport, err) => {
      const code = (err as { code?: unknown } | null)?.code;
      this.log.error({ event: 'transport.error', transport, code: typeof code === 'string' ? code : null, message: err instanceof Error ? err.message : String(err) });
    });
    // An agent with no way to receive writs would run forever doing nothing: say so at start.
    if (this.transports.length === 0) throw new AgentConfigError('CONFIG_INVALID', `${options.configPath}: no transport configured (add an https, dirDrop, s3 or nats section)`);
    this.retentionTimer = setInterval(() => {
      this.applyRetention();
    }, 3_600_000);
    this.retentionTimer.unref();
  }

  static create(options: AgentOptions): Agent {
    // Scripts must not learn the host's time zone; workers inherit the environment.
    process.env.TZ = 'UTC';
    const config = loadAgentConfig(options.configPath);
    const log = createAgentLogger(config.log.level, options.logDestination);
    const stateDir = config.stateDir ?? defaultStateDir();
    const store = SqliteRunStore.open(join(stateDir, 'runs.db'));
    // Runs that were in flight when the previous agent died are marked, never silently lost.
    const interrupted = store.recoverInterrupted();
    if (interrupted > 0) log.warn({ event: 'runs.interrupted', count: interrupted });
    const pool = new ExecutorPool({ size: config.runs.concurrency ?? availableParallelism() });
    let agent: Agent;
    try {
      agent = new Agent(options, config, store, pool, log);
    } catch (err) {
      void pool.close();
      store.close();
      throw err;
    }
    agent.applyRetention();
    return agent;
  }

  get config(): AgentConfig {
    return this.runtime.config;
  }

  async start(): Promise<void> {
    this.pool.warm();
    for (const t of this.transports) {
      await t.start(this);
      this.log.info({ event: 'transport.started', transport: t.name, address: t.describe() });
    }
  }

  /** SIGHUP: new config, trust and ceiling for the next writ; running runs and connections stay. */
  reload(): boolean {
    try {
      this.runtime = buildRuntime(loadAgentConfig(this.options.configPath));
      this.log.info({ event: 'config.reloaded', trustedKeys: this.runtime.trust.keys.length, authorities: this.runtime.trust.authorities.length });
      return true;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      this.log.error({ event: 'config.reload_failed', code: typeof code === 'string' ? code : 'UNKNOWN', message: err instanceof Error ? err.message : String(err) });
      return false;
    }
  }

  /** SIGTERM: refuse new writs, let accepted ones finish (or cancel them after `graceMs`), close. */
  async shutdown(graceMs = 30_000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.log.info({ event: 'agent.draining', active: this.scheduler.activeCount });
    await Promise.all(this.transports.map((t) => t.stop()));
    const timer = setTimeout(() => {
      this.log.warn({ event: 'agent.drain_timeout' });
      void this.pool.close();
    }, graceMs);
    await this.scheduler.idle();
    // Results of runs that finished during the drain are delivered before the process may exit.
    await Promise.all(this.transports.map((t) => (t.drained ? t.drained() : Promise.resolve())));
    clearTimeout(timer);
    clearInterval(this.retentionTimer);
    await this.pool.close();
    this.store.close();
    this.log.info({ event: 'agent.stopped' });
  }

  async submit(submission: Submission, via: string): Promise<SubmitResult> {
    this.metricsRegistry.submitted.inc({ transport: via });
    if (this.stopping) return this.refuse(via, 'AGENT_STOPPING', 'the agent is shutting down');
    // Capacity first: a writ refused for capacity keeps its nonce and can be sent again.
    if (!this.scheduler.reserve()) return this.refuse(via, 'QUEUE_FULL', `${this.scheduler.activeCount} runs active or queued; try again later`);
    let admission: Admission;
    try {
      admission = await admit(submission, this.runtime, this.replay);
    } catch (err) {
      this.scheduler.release();
      throw err;
    }
    const id = randomUUID();
    if (!admission.ok) {
      this.scheduler.release();
      this.metricsRegistry.rejected.inc({ code: admission.code });
      this.log.warn({ event: 'run.rejected', runId: id, transport: via, code: admission.code, message: admission.message });
      const record = this.store.create({ id, writId: null, digest: null, signer: null, transport: via }, 'rejected', { code: admission.code, message: admission.message });
      return { accepted: false, run: toRunView(record), error: { code: admission.code, message: admission.message } };
    }
    const { writ, contents } = admission;
    const record = this.store.create({ id, writId: writ.manifest?.id ?? null, digest: writ.digest, signer: writ.signer.fingerprint, transport: via });
    this.log.info({ event: 'run.accepted', runId: id, transport: via, writId: writ.manifest?.id ?? null, signer: writ.signer.fingerprint });
    const job: ExecJob = {
      runId: id,
      script: contents.script,
      policyText: contents.policy.source.text,
      policyPath: POLICY_FILE,
      ceilingText: this.runtime.ceiling?.text ?? null,
      ceilingPath: this.runtime.ceiling?.path ?? null,
      args: contents.args,
      limits: capLimits(this.runtime.caps, contents.requestedLimits),
      user: currentHostUser(),
      inputs: [...contents.inputs],
    };
    this.scheduler.enqueue(job);
    return { accepted: true, run: toRunView(this.store.get(id) ?? record) };
  }

  get(id: string): RunView | null {
    const r = this.store.get(id);
    return r ? toRunView(r) : null;
  }

  readLog(id: string, offset: number, maxBytes: number): LogSlice | null {
    if (!this.store.get(id)) return null;
    return this.store.readOutput(id, offset, maxBytes);
  }

  watch(id: string, listener: (event: RunEvent) => void): () => void {
    return this.events.watch(id, listener);
  }

  cancel(id: string): 'cancelled' | 'not-found' | 'already-final' {
    const r = this.store.get(id);
    if (!r) return 'not-found';
    if (FINAL_STATES.has(r.state)) return 'already-final';
    return this.scheduler.cancel(id) ? 'cancelled' : 'already-final';
  }

  metrics(): Promise<string> {
    return this.metricsRegistry.text();
  }

  private refuse(via: string, code: string, message: string): SubmitResult {
    this.metricsRegistry.rejected.inc({ code });
    this.log.warn({ event: 'run.refused', transport: via, code, message });
    return { accepted: false, run: null, error: { code, message } };
  }

  private applyRetention(): void {
    const r = this.runtime.config.retention;
    const pruned = this.store.prune({ maxAgeMs: r.maxAgeDays * 86_400_000, maxBytes: r.maxBytes });
    this.replay.prune(new Date());
    if (pruned.runs > 0) this.log.info({ event: 'retention.pruned', runs: pruned.runs, bytes: pruned.bytes });
  }
}
