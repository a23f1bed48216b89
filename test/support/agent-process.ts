import { execFileSync, type ChildProcess } from 'node:child_process';
import { request, type Agent as HttpsAgent } from 'node:https';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startWrit } from './writ-process.js';

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

/** Starts `writ agent --config` as a real process and waits until its first transport listens. */
export async function startAgent(configPath: string, env: Record<string, string> = {}): Promise<AgentProcess> {
  const agent = startWrit(['agent', '--config', configPath], env);
  const started = await agent.waitForLine((l) => l.event === 'transport.started');
  return {
    child: agent.child,
    url: String(started.address),
    logs: agent.lines,
    waitForLog: (predicate, timeoutMs) => agent.waitForLine(predicate, timeoutMs),
    stop: (signal) => agent.stop(signal),
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
