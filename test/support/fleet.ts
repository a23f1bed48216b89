/**
 * A real fleet on loopback for integration tests: `writ control serve` over a fresh CA in
 * `<root>/ca`, and agents paired the way an operator pairs them (`writ agent request-pairing` +
 * `writ control approve`), then serving mutual TLS with the certificates they were issued.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { httpsJson } from '../../src/control/server/testing.js';
import { startAgent, writeConfig, type AgentProcess } from './agent-process.js';
import { writ } from './cli.js';
import { startWrit, type WritProcess } from './writ-process.js';

export interface FleetOptions {
  /** A directory the caller owns (and removes): the CA goes to `<root>/ca`, each agent to `<root>/<name>`. */
  readonly root: string;
  /** The public key (PEM) of the writ signer every agent trusts. */
  readonly trustPath: string;
  /** Default agent-1 and agent-2. */
  readonly agentNames?: readonly string[];
  /** Comma-separated tags every agent asks for (default `web`). */
  readonly tags?: string;
  /** More `writ control serve` arguments (e.g. `--auth-hook PATH`). */
  readonly serveArgs?: readonly string[];
}

export interface Fleet {
  readonly caDir: string;
  /** The control process as it runs now (restartControl replaces it). */
  serve: WritProcess;
  /** host:port of the control host as it listens now. */
  control: string;
  readonly agents: AgentProcess[];
  /** Stops the control process and starts it again on the same directory (and registry). */
  restartControl(): Promise<void>;
  /** Stops the agents and the control host; the root directory is the caller's to remove. */
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function startControl(caDir: string, serveArgs: readonly string[]): Promise<{ serve: WritProcess; control: string }> {
  const serve = startWrit(['control', 'serve', '--dir', caDir, '--listen', '127.0.0.1:0', ...serveArgs]);
  const started = await serve.waitForLine((l) => l.event === 'control.started');
  return { serve, control: new URL(String(started.address)).host };
}

/** Pairs one agent the way an operator would, then starts it with the certificate it was issued. */
async function pairAndStart(o: FleetOptions, caDir: string, name: string, control: string): Promise<AgentProcess> {
  const port = await freePort();
  const out = join(o.root, name);
  const asking = startWrit(['agent', 'request-pairing', '--control', control, '--name', name, '--address', `127.0.0.1:${port}`, '--tags', o.tags ?? 'web', '--out', out, '--timeout', '30s', '--json']);
  const code = String((await asking.waitForLine((l) => l.event === 'pairing.code', 20_000)).code);
  const approved = writ(['control', 'approve', code, '--dir', caDir]);
  assert.equal(approved.code, 0, approved.stderr);
  assert.equal(await asking.exited, 0, asking.stderr());
  const config = writeConfig(
    join(out, 'agent.yaml'),
    `host:\n  name: ${name}\ntrust:\n  paths: [${o.trustPath}]\nstateDir: ${join(out, 'state')}\nhttps:\n  listen: 127.0.0.1:${port}\n  cert: ${join(out, 'agent.crt')}\n  key: ${join(out, 'agent.key')}\n  clientCa: ${join(out, 'control-ca.pem')}\n`,
  );
  return startAgent(config);
}

/** Initialises the CA, serves the control host, and pairs and starts every agent. */
export async function startFleet(o: FleetOptions): Promise<Fleet> {
  const caDir = join(o.root, 'ca');
  const serveArgs = o.serveArgs ?? [];
  assert.equal(writ(['control', 'init', '--dir', caDir]).code, 0);
  const first = await startControl(caDir, serveArgs);
  const token = readFileSync(join(caDir, 'api.token'), 'utf8').trim();
  const opened = await httpsJson(new URL('/v1/pairing/mode', `https://${first.control}`), readFileSync(join(caDir, 'ca.pem'), 'utf8'), { method: 'POST', token, body: { enabled: true, minutes: 5 } });
  assert.equal(opened.status, 200);
  const agents: AgentProcess[] = [];
  const fleet: Fleet = {
    caDir,
    ...first,
    agents,
    restartControl: async () => {
      await fleet.serve.stop('SIGTERM');
      const next = await startControl(caDir, serveArgs);
      fleet.serve = next.serve;
      fleet.control = next.control;
    },
    stop: async () => {
      for (const agent of agents) await agent.stop();
      await fleet.serve.stop('SIGTERM');
    },
  };
  try {
    for (const name of o.agentNames ?? ['agent-1', 'agent-2']) agents.push(await pairAndStart(o, caDir, name, first.control));
  } catch (err) {
    await fleet.stop();
    throw err;
  }
  return fleet;
}
