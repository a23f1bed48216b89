import type { AgentRecord } from '../registry/index.js';
import { AgentClient } from './agent-client.js';
import type { RevocationCheck } from './peer-identity.js';

export interface FleetIdentity {
  readonly caPem: string;
  /** The control host's own certificate and key: what agents accept as their control host. */
  readonly certPem: string;
  readonly keyPem: string;
  readonly isRevoked: RevocationCheck;
  readonly timeoutMs?: number;
}

/**
 * One verified client per agent, kept while its registration is unchanged: keep-alive connections
 * are what makes fan-out fast. A new address or certificate (renewal, re-pairing) means a new
 * client, so a connection verified against the old registration is never reused.
 */
export class FleetClients {
  readonly #clients = new Map<string, { readonly key: string; readonly client: AgentClient }>();

  constructor(private identity: FleetIdentity) {}

  /** After the control host's certificate was rotated: new connections present the new one. */
  setIdentity(certPem: string, keyPem: string): void {
    this.identity = { ...this.identity, certPem, keyPem };
    this.close();
  }

  /** Drops the agent's client and its connections (revoked, removed). */
  forget(name: string): void {
    this.#clients.get(name)?.client.close();
    this.#clients.delete(name);
  }

  for(agent: AgentRecord): AgentClient {
    const key = `${agent.address}|${agent.certSerial}`;
    const known = this.#clients.get(agent.name);
    if (known?.key === key) return known.client;
    known?.client.close();
    const client = new AgentClient({ name: agent.name, address: agent.address, ...this.identity });
    this.#clients.set(agent.name, { key, client });
    return client;
  }

  close(): void {
    for (const { client } of this.#clients.values()) client.close();
    this.#clients.clear();
  }
}
