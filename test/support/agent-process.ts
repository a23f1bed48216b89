import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { request, type Agent as HttpsAgent } from 'node:https';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CLI_COMMAND } from './cli.js';

/** A self-signed server certificate for 127.0.0.1, made by openssl at test time. */
export function makeServerCert(dir: string): { cert: string; key: string } {
  const cert = join(dir, 'agent.crt');
  const key = join(dir, 'agent.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return { cert, key };
}

export interface AgentProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly logs: Record<string, unknown>[];
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `writ agent --config` as a real process and waits until its HTTPS transport listens. */
export async function startAgent(configPath: string, env: Record<string, string> = {}): Promise<AgentProcess> {
  const child = spawn(process.execPath, [...CLI_COMMAND, 'agent', '--config', configPath], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Record<string, unknown>[] = [];
  const waiters: { predicate: (l: Record<string, unknown>) => boolean; resolve: (l: Record<string, unknown>) => void }[] = [];
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    logs.push(line);
    for (const w of [...waiters]) if (w.predicate(line)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(line);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitForLog = (predicate: (l: Record<string, unknown>) => boolean, timeoutMs = 20_000): Promise<Record<string, unknown>> => {
    const seen = logs.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`agent log line not seen in ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
      waiters.push({ predicate, resolve: (l) => { clearTimeout(timer); resolve(l); } });
      void exited.then((code) => { clearTimeout(timer); reject(new Error(`agent exited (${String(code)}): ${stderr}`)); });
    });
  };
  const started = await waitForLog((l) => l.event === 'transport.started');
  return {
    child,
    url: String(started.address),
    logs,
    waitForLog,
    stop: (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  json(): unknown;
}

/** One HTTPS request trusting only `ca` (the agent's test certificate). */
export function httpsRequest(url: string, options: { method?: string; body?: Uint8Array; headers?: Record<string, string>; ca: Buffer; agent?: HttpsAgent }): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', ca: options.ca, headers: options.headers, ...(options.agent ? { agent: options.agent } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json: () => JSON.parse(body.toString()) as unknown });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

export function writeConfig(path: string, text: string): string {
  writeFileSync(path, text);
  return path;
}
