import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The agent's Prometheus metrics, on a registry of its own (several agents may share a process in tests). */
export class AgentMetrics {
  readonly registry = new Registry();
  readonly submitted = new Counter({ name: 'writ_submissions_total', help: 'Writs received, by transport', labelNames: ['transport'], registers: [this.registry] });
  readonly rejected = new Counter({ name: 'writ_rejections_total', help: 'Writs refused before running, by code', labelNames: ['code'], registers: [this.registry] });
  readonly finished = new Counter({ name: 'writ_runs_finished_total', help: 'Runs finished, by final state', labelNames: ['state'], registers: [this.registry] });
  readonly running = new Gauge({ name: 'writ_runs_running', help: 'Runs executing now', registers: [this.registry] });
  readonly queued = new Gauge({ name: 'writ_runs_queued', help: 'Accepted runs waiting for a worker', registers: [this.registry] });
  readonly duration = new Histogram({
    name: 'writ_run_duration_seconds',
    help: 'Wall time of finished runs',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'writ_agent_' });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
