import { WritError, messageOf } from '../../core/errors.js';
import { mapConcurrent } from '../../core/map-concurrent.js';
import type { FleetClients } from '../fleet/index.js';
import type { ControlLogger } from '../server/logger.js';
import { isRenewalDue } from './renewal-due.js';
import { renewAgent, type RenewalContext, type RenewalOutcome } from './renew-agent.js';

export const DEFAULT_RENEWAL_CHECK_MS = 60 * 60_000;
/** Renewals at once: each is a key generation on the agent and a signature here, cheap but not free. */
const PARALLEL_RENEWALS = 8;

export interface RenewalSweepOptions extends RenewalContext {
  readonly clients: FleetClients;
  readonly log: ControlLogger;
  /** How often every active agent is asked what certificate it serves. */
  readonly intervalMs: number;
}

export interface SweepReport {
  readonly checked: number;
  readonly renewed: readonly RenewalOutcome[];
  readonly failed: readonly { readonly name: string; readonly code: string; readonly message: string }[];
}

/**
 * Keeps agent certificates alive: on a timer it asks each active agent which certificate it serves
 * (the agent's answer, not the registry, is the truth: an install that failed halfway shows here)
 * and renews those past half their lifetime. An agent that is down is simply tried next time.
 */
export class RenewalSweep {
  readonly #timer: NodeJS.Timeout;
  #running: Promise<SweepReport> | null = null;

  constructor(private readonly options: RenewalSweepOptions) {
    this.#timer = setInterval(() => {
      void this.sweep();
    }, options.intervalMs);
    this.#timer.unref();
  }

  /** One pass over the fleet; a pass already running is joined, not doubled. */
  sweep(now: Date = new Date()): Promise<SweepReport> {
    this.#running ??= this.#pass(now).finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  /** Renews one agent now, due or not (the operator asked). */
  async renewNow(name: string, now: Date = new Date()): Promise<RenewalOutcome> {
    const agent = await this.options.registry.getAgent(name);
    if (agent === null) throw new WritError('TARGET_UNKNOWN', `no agent named ${name} is registered`);
    const client = this.options.clients.for(agent);
    const outcome = await renewAgent(this.options, agent, client, await client.certificate(), now);
    this.options.log.info({ event: 'renewal.done', name, serial: outcome.renewed.serial, notAfter: outcome.renewed.notAfter, previousSerial: outcome.previous.serial, forced: true });
    return outcome;
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async #pass(now: Date): Promise<SweepReport> {
    const { registry, clients, log } = this.options;
    const agents = (await registry.listAgents()).filter((a) => a.state === 'active');
    const renewed: RenewalOutcome[] = [];
    const failed: { name: string; code: string; message: string }[] = [];
    await mapConcurrent(agents, PARALLEL_RENEWALS, async (agent) => {
      try {
        const client = clients.for(agent);
        const served = await client.certificate();
        if (!isRenewalDue(served, now)) return;
        const outcome = await renewAgent(this.options, agent, client, served, now);
        renewed.push(outcome);
        log.info({ event: 'renewal.done', name: agent.name, serial: outcome.renewed.serial, notAfter: outcome.renewed.notAfter, previousSerial: outcome.previous.serial });
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        failed.push({ name: agent.name, code: typeof code === 'string' ? code : 'RENEWAL_FAILED', message: messageOf(err) });
        log.warn({ event: 'renewal.failed', name: agent.name, code, message: messageOf(err) });
      }
    });
    return { checked: agents.length, renewed, failed };
  }
}
