/**
 * Per-run latency of a writ over HTTPS with keep-alive on loopback (POST the .writ, then its event
 * stream until `finished`), against `ssh localhost true` through a local sshd started by this script
 * (each on the same machine, in the same run). Also the first-byte log latency: the time from the
 * script printing a line (its own Date.now()) to the caller receiving it. Needs the `writ` build,
 * openssl, and for the ssh baseline /usr/sbin/sshd (Debian: openssh-server); without sshd the
 * baseline is reported as skipped. Run alone: `npx tsx bench/agent-latency.ts`.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent as HttpsAgent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { sealWrit } from '../src/bundle/index.js';
import { startPrivateSshd } from './sshd.js';
import { median } from './stats.js';

export interface AgentLatencyResult {
  readonly runs: number;
  readonly httpsP50Ms: number;
  readonly httpsP99Ms: number;
  readonly sshP50Ms: number | null;
  readonly sshP99Ms: number | null;
  readonly ratioP50: number | null;
  readonly firstByteP50Ms: number;
  readonly firstByteP99Ms: number;
}

const writ = fileURLToPath(new URL('../bin/writ.js', import.meta.url));
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function call(url: string, ca: Buffer, agent: HttpsAgent, method: string, body?: Uint8Array, onData?: (text: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca, agent }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => {
        text += c.toString();
        onData?.(c.toString());
      });
      res.on('end', () => {
        resolve(text);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

function sshBaseline(dir: string, runs: number): number[] | null {
  const sshd = startPrivateSshd(join(dir, 'sshd'));
  if (sshd === null) return null;
  try {
    const args = sshd.sshArgs('true');
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const r = spawnSync('ssh', args);
      if (r.status !== 0) throw new Error(`ssh localhost true failed: ${r.stderr.toString()}`);
      times.push(performance.now() - t0);
    }
    return times;
  } finally {
    sshd.stop();
  }
}

export async function benchAgentLatency(runs = 200): Promise<AgentLatencyResult> {
  const dir = mkdtempSync(join(tmpdir(), 'writ-bench-agent-'));
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  writeFileSync(join(dir, 'owner.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'agent.key'), '-out', join(dir, 'agent.crt'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  writeFileSync(join(dir, 'agent.yaml'), `trust:\n  paths: [${join(dir, 'owner.pub.pem')}]\nstateDir: ${join(dir, 'state')}\nhttps:\n  listen: 127.0.0.1:0\n  cert: ${join(dir, 'agent.crt')}\n  key: ${join(dir, 'agent.key')}\n`);
  const child = spawn(process.execPath, [writ, 'agent', '--config', join(dir, 'agent.yaml')], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env } });
  try {
    const address = await new Promise<string>((resolve) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        const e = JSON.parse(line) as { event?: string; address?: string };
        if (e.event === 'transport.started' && e.address) resolve(e.address);
      });
    });
    const ca = readFileSync(join(dir, 'agent.crt'));
    const keepAlive = new HttpsAgent({ keepAlive: true, maxSockets: 4 });
    const seal = async (text: string): Promise<Uint8Array> =>
      (await sealWrit({ script: { name: 'b.js', bytes: enc(text) }, policy: enc('permit(principal, action, resource);'), inputs: new Map(), privateKey, now: new Date(), expiresInMs: 3_600_000, audience: [], limits: {} })).writ;
    // Sealed ahead of time: the measure is delivery + verification + run + result, not signing.
    const trivial = await Promise.all(Array.from({ length: runs + 20 }, () => seal('1')));
    const oneRun = async (body: Uint8Array, onData?: (text: string) => void): Promise<number> => {
      const t0 = performance.now();
      const posted = JSON.parse(await call(`${address}/v1/runs`, ca, keepAlive, 'POST', body)) as { run: { id: string } };
      await call(`${address}/v1/runs/${posted.run.id}/events`, ca, keepAlive, 'GET', undefined, onData);
      return performance.now() - t0;
    };
    for (const body of trivial.slice(0, 20)) await oneRun(body);
    const https: number[] = [];
    for (const body of trivial.slice(20)) https.push(await oneRun(body));
    const firstByte: number[] = [];
    for (let i = 0; i < 30; i++) {
      const body = await seal('console.log("t=" + Date.now()); const s = Date.now(); while (Date.now() - s < 150) {}');
      let seen = false;
      await oneRun(body, (text) => {
        const m = /t=(\d+)/.exec(text);
        if (!seen && m) {
          seen = true;
          firstByte.push(Date.now() - Number(m[1]));
        }
      });
    }
    keepAlive.destroy();
    const ssh = sshBaseline(dir, 30);
    const sshP50 = ssh ? median(ssh) : null;
    return {
      runs,
      httpsP50Ms: median(https),
      httpsP99Ms: percentile(https, 99),
      sshP50Ms: sshP50,
      sshP99Ms: ssh ? percentile(ssh, 99) : null,
      ratioP50: sshP50 === null ? null : sshP50 / median(https),
      firstByteP50Ms: median(firstByte),
      firstByteP99Ms: percentile(firstByte, 99),
    };
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  console.log(JSON.stringify(await benchAgentLatency(), null, 2));
}
