/**
 * Several writ agents in one process, for the fleet fan-out bench (bench/fleet-fanout.ts): a real
 * machine runs one `writ agent` per host, but 800 Node processes do not fit on a 2-core bench box.
 * Each agent here is the same `Agent` the `writ agent` command builds (its own config file, state
 * directory with run store and replay store, HTTPS transport on its own loopback port with mutual
 * TLS against the control CA, and its own executor pool of worker threads); they share only the
 * process, its event loop and its two cores.
 *
 * Protocol (one JSON object a line): stdin `{"add":[{name,dir,cert,key}],"trust":pem,"clientCa":pem}`
 * starts those agents and answers on stdout `{"added":[{name,address}],"rssMiB":n}` or
 * `{"error":message}`. End of stdin or SIGTERM drains every agent and exits.
 *
 * Uses the compiled agent (dist/, which `npm run bench` builds first) when present, as `writ agent`
 * does, so the workers load plain JavaScript; else the TypeScript sources through tsx.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';

type AgentModule = typeof import('../src/agent/index.js');
type AgentInstance = ReturnType<AgentModule['Agent']['create']>;

export interface AgentSpec {
  readonly name: string;
  /** The agent's own directory: config and state go there. */
  readonly dir: string;
  readonly cert: string;
  readonly key: string;
}

export interface AddCommand {
  readonly add: readonly AgentSpec[];
  /** The writ signer's public key (PEM) every agent trusts. */
  readonly trust: string;
  /** The control CA (PEM): only a client certificate it issued, marked as the control host's, may call. */
  readonly clientCa: string;
}

export type HostAnswer = { readonly added: readonly { name: string; address: string }[]; readonly rssMiB: number } | { readonly error: string };

const compiled = new URL('../dist/agent/index.js', import.meta.url);
const { Agent, transportsFor } = (await import(existsSync(fileURLToPath(compiled)) ? compiled.href : '../src/agent/index.js')) as AgentModule;

const agents: AgentInstance[] = [];

function configFor(spec: AgentSpec, command: AddCommand): string {
  mkdirSync(spec.dir, { recursive: true });
  const path = join(spec.dir, 'agent.yaml');
  // One worker thread per agent (a real host would default to its CPU count): the bench runs one
  // trivial writ per agent at a time, and hundreds of idle pools would only cost memory.
  writeFileSync(
    path,
    [
      `host:\n  name: ${spec.name}`,
      `trust:\n  paths: [${command.trust}]`,
      `stateDir: ${join(spec.dir, 'state')}`,
      'runs:\n  concurrency: 1',
      `https:\n  listen: 127.0.0.1:0\n  cert: ${spec.cert}\n  key: ${spec.key}\n  clientCa: ${command.clientCa}`,
      '',
    ].join('\n'),
  );
  return path;
}

/**
 * The agent's log: its `transport.started` line gives the bound address (port 0 picked a free one);
 * warnings and errors go to stderr, the rest (a line per run, as a real agent writes) is dropped.
 */
function logSink(onAddress: (address: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n')) {
        if (text === '') continue;
        const line = JSON.parse(text) as { event?: string; address?: string; level?: string };
        if (line.event === 'transport.started' && line.address !== undefined) onAddress(new URL(line.address).host);
        if (line.level === 'warn' || line.level === 'error') process.stderr.write(`${text}\n`);
      }
      done();
    },
  });
}

async function add(command: AddCommand): Promise<HostAnswer> {
  const added: { name: string; address: string }[] = [];
  for (const spec of command.add) {
    let address: string | undefined;
    const agent = Agent.create({ configPath: configFor(spec, command), transports: transportsFor, logDestination: logSink((a) => (address = a)) });
    agents.push(agent);
    await agent.start();
    // pino writes synchronously to a plain stream, so the line has arrived once start() resolved.
    if (address === undefined) throw new Error(`agent ${spec.name} started without reporting its address`);
    added.push({ name: spec.name, address });
  }
  return { added, rssMiB: Math.round(process.memoryUsage().rss / 1024 / 1024) };
}

let closing = false;
async function closeAll(): Promise<void> {
  if (closing) return;
  closing = true;
  await Promise.all(agents.map((a) => a.shutdown(2_000)));
  process.exit(0);
}

process.on('SIGTERM', () => void closeAll());
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const command = JSON.parse(line) as AddCommand;
  add(command).then(
    (answer) => process.stdout.write(`${JSON.stringify(answer)}\n`),
    (err: unknown) => process.stdout.write(`${JSON.stringify({ error: err instanceof Error ? `${err.message}${'code' in err ? ` (${String(err.code)})` : ''}` : String(err) } satisfies HostAnswer)}\n`),
  );
});
lines.on('close', () => void closeAll());
