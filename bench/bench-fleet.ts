/**
 * The fleet under test for the fleet fan-out bench: a control host in this process and real agents
 * in WRIT_FLEET_PROCS agent-host processes (bench/agent-host.ts). Starts it, grows it by issuing
 * certificates and recording agents the way pairing does, fans one writ out to it, and tears it down.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { sealWrit } from '../src/bundle/index.js';
import { createCsr, generatePkiKeyPair, loadCa } from '../src/control/pki/index.js';
import { FleetApiClient, type FleetLine } from '../src/control/server/index.js';
import { startTestControl, type TestControl } from '../src/control/server/testing.js';
import type { AddCommand, AgentSpec, HostAnswer } from './agent-host.js';
import type { FanOutResult } from './fleet-result.js';
import { fmt, median } from './stats.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const hostScript = fileURLToPath(new URL('./agent-host.ts', import.meta.url));

/** One agent-host process: sends `add` commands, reads the answers in order. */
export class AgentHost {
  readonly child: ChildProcess;
  readonly #waiting: ((answer: HostAnswer) => void)[] = [];
  #stderr = '';
  agents = 0;

  constructor() {
    this.child = spawn(process.execPath, ['--import', 'tsx', hostScript], { stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      this.#waiting.shift()?.(JSON.parse(line) as HostAnswer);
    });
    // Agent warnings and errors: kept (the tail goes into a failure report), not printed per agent.
    this.child.stderr!.on('data', (c: Buffer) => {
      this.#stderr = (this.#stderr + c.toString()).slice(-4000);
    });
    this.child.on('exit', (code, signal) => {
      for (const w of this.#waiting.splice(0)) w({ error: `agent host exited (${signal ?? String(code)}): ${this.#stderr.slice(-500)}` });
    });
  }

  get stderrTail(): string {
    return this.#stderr.slice(-500);
  }

  add(command: AddCommand): Promise<HostAnswer> {
    return new Promise((resolve) => {
      this.#waiting.push(resolve);
      this.child.stdin!.write(`${JSON.stringify(command)}\n`);
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        resolve();
        return;
      }
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      this.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.child.stdin!.end();
    });
  }
}

export interface Fleet {
  readonly control: TestControl;
  readonly client: FleetApiClient;
  readonly hosts: AgentHost[];
  /** The bench's working directory, next to the control host's. */
  readonly dir: string;
  /** The Ed25519 key that seals the writs, and the file with its public half that every agent trusts. */
  readonly ownerKey: KeyObject;
  readonly ownerPem: string;
  size: number;
}

/** A control host over a fresh CA and registry, an owner key, and `processes` agent hosts with no agents yet. */
export async function startFleet(processes: number): Promise<Fleet> {
  const control = await startTestControl();
  const dir = join(control.dir, '..', 'bench');
  mkdirSync(dir, { recursive: true });
  const owner = generateKeyPairSync('ed25519');
  const ownerPem = join(dir, 'owner.pub.pem');
  writeFileSync(ownerPem, owner.publicKey.export({ type: 'spki', format: 'pem' }));
  return {
    control,
    client: new FleetApiClient(new URL(control.server.address), control.caPem, control.token),
    hosts: Array.from({ length: processes }, () => new AgentHost()),
    dir,
    ownerKey: owner.privateKey,
    ownerPem,
    size: 0,
  };
}

/** Stops every agent host, then the control host. */
export async function stopFleet(fleet: Fleet): Promise<void> {
  await Promise.all(fleet.hosts.map((h) => h.stop()));
  await fleet.control[Symbol.asyncDispose]();
}

/** Issues certificates for agents `from`..`to`-1, starts them round-robin on the hosts, records them in the registry. */
export async function grow(fleet: Fleet, to: number): Promise<void> {
  const ca = loadCa(fleet.control.dir);
  const now = new Date();
  const specs: { spec: AgentSpec; certPem: string; csrPem: string }[] = [];
  for (let i = fleet.size; i < to; i++) {
    const name = `agent-${String(i).padStart(4, '0')}`;
    const dir = join(fleet.dir, 'agents', name);
    mkdirSync(dir, { recursive: true });
    const keys = generatePkiKeyPair('ec-p256');
    // What issueAgentCertificate gives an approved request: the name bound as writ:host:<name>.
    const certPem = ca.issue({ subjectPublicKey: keys.publicKey, commonName: name, hostName: name, dnsNames: [name], ips: ['127.0.0.1'], usage: ['server', 'client'], validityDays: 2, now });
    const cert = join(dir, 'agent.crt');
    const key = join(dir, 'agent.key');
    writeFileSync(cert, certPem);
    writeFileSync(key, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    specs.push({ spec: { name, dir, cert, key }, certPem, csrPem: createCsr({ privateKey: keys.privateKey, publicKey: keys.publicKey, commonName: name }) });
  }
  const perHost = fleet.hosts.map(() => [] as AgentSpec[]);
  specs.forEach(({ spec }, i) => perHost[(fleet.size + i) % fleet.hosts.length]!.push(spec));
  const answers = await Promise.all(
    fleet.hosts.map((host, h) => (perHost[h]!.length === 0 ? Promise.resolve<HostAnswer>({ added: [], rssMiB: 0 }) : host.add({ add: perHost[h]!, trust: fleet.ownerPem, clientCa: join(fleet.control.dir, 'ca.pem') }))),
  );
  const addresses = new Map<string, string>();
  for (const [h, answer] of answers.entries()) {
    if ('error' in answer) throw new Error(`agent host ${h} could not start its agents: ${answer.error}`);
    fleet.hosts[h]!.agents += answer.added.length;
    for (const { name, address } of answer.added) addresses.set(name, address);
  }
  const registry = fleet.control.registry;
  for (const { spec, certPem, csrPem } of specs) {
    const address = addresses.get(spec.name);
    if (address === undefined) throw new Error(`agent ${spec.name} did not report an address`);
    // The registry calls pairing makes, without the code display and the operator's approval.
    const request = await registry.addPairingRequest({ agentName: spec.name, csrPem, code: randomBytes(8).toString('hex'), tags: [], address, version: null, requestedAt: now, expiresAt: new Date(now.getTime() + 600_000) });
    const x509 = new X509Certificate(certPem);
    await registry.approvePairing(request.id, { certPem, certificate: { serial: x509.serialNumber, fingerprint: x509.fingerprint256, issuedAt: now, notAfter: new Date(x509.validTo) }, pairedAt: now });
  }
  fleet.size = to;
}

/** One writ (script `null`) to every agent through the operator API, timed from the request to the closing summary line. */
export async function fanOut(fleet: Fleet, hostTimeoutMs: number, maxConcurrency: number): Promise<FanOutResult> {
  // Sealed before the clock starts: the measure is delivery, verification, run and result.
  const { writ } = await sealWrit({ script: { name: 'true.js', bytes: enc('null') }, policy: enc('permit(principal, action, resource);'), inputs: new Map(), privateKey: fleet.ownerKey, now: new Date(), expiresInMs: 3_600_000, audience: [], limits: {} });
  const body = Buffer.from(writ).toString('base64');
  const results: FleetLine[] = [];
  const t0 = performance.now();
  try {
    const summary = await fleet.client.run({ target: 'all', writ: body, maxConcurrency, hostTimeoutMs, follow: false }, (line) => {
      if (line.type === 'result') results.push(line);
    });
    const ms = performance.now() - t0;
    if (process.env['WRIT_FLEET_DEBUG']) {
      const d = results.map((r) => Number(r.durationMs)).sort((a, b) => a - b);
      process.stderr.write(`  fan-out to ${fleet.size} at ${maxConcurrency}: ${fmt(ms, 0)} ms, host durations min ${d[0]} median ${median(d)} max ${d.at(-1)}\n`);
    }
    const bad = results.filter((r) => r.status !== 'ok');
    if (results.length === fleet.size && bad.length === 0 && summary.exitCode === 0) return { ms, ok: true, error: null };
    const codes = new Map<string, number>();
    for (const r of bad) {
      const code = `${String(r.status)}:${String((r.error as { code?: string } | null)?.code ?? r.exitCode)}`;
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
    const first = (bad[0]?.error as { message?: string } | null | undefined)?.message ?? '';
    return { ms, ok: false, error: `${bad.length}/${fleet.size} hosts not ok (${[...codes].map(([c, n]) => `${n}x ${c}`).join(', ')})${results.length === fleet.size ? '' : `, ${results.length} results`}; first: ${first.slice(0, 200)}` };
  } catch (err) {
    return { ms: performance.now() - t0, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}
