/** A control server on loopback over a fresh CA and SQLite registry, and HTTPS calls to it, for tests. */
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { tempDir } from '../../../test/support/temp.js';
import { initCa } from '../pki/index.js';
import { SqliteRegistry, type Registry } from '../registry/index.js';
import { ControlServer } from './control-server.js';
import { createControlLogger } from './logger.js';

export interface TestControl {
  readonly dir: string;
  readonly server: ControlServer;
  readonly registry: Registry;
  readonly token: string;
  readonly caPem: string;
  /** host:port of the server. */
  readonly hostPort: string;
  /** The server's log lines so far. */
  readonly logs: Record<string, unknown>[];
  call(method: string, path: string, options?: CallOptions): Promise<{ status: number; body: unknown }>;
  /** Closes the server and its registry connection, keeping the directory (a restart starts another on it). */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface TestControlOptions {
  readonly pairingTtlMs?: number;
  /**
   * An existing CA directory (another TestControl's `dir`): this server shares its CA, token and
   * registry file, as a restarted or a second control host would, and leaves the directory to it.
   */
  readonly caDir?: string;
  /** Default 0 (any free port); a restart takes its predecessor's so agents polling it find it again. */
  readonly port?: number;
}

export interface CallOptions {
  readonly body?: unknown;
  /** Bearer token (in `call`: default the real one); null for none. */
  readonly token?: string | null;
  /** Client certificate and key (PEM) for mutual TLS. */
  readonly clientCert?: { cert: string; key: string };
}

export async function startTestControl(options: TestControlOptions = {}): Promise<TestControl> {
  let root: ReturnType<typeof tempDir> | undefined;
  let dir = options.caDir;
  if (dir === undefined) {
    root = tempDir('writ-control-server-');
    dir = join(root.path, 'ca');
    initCa({ dir });
  }
  const registry = SqliteRegistry.open(join(dir, 'registry.db'));
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const server = await ControlServer.start({
    caDir: dir,
    listen: { host: '127.0.0.1', port: options.port ?? 0 },
    registry,
    log: createControlLogger('info', sink),
    ...(options.pairingTtlMs === undefined ? {} : { pairingTtlMs: options.pairingTtlMs }),
  });
  const token = readFileSync(join(dir, 'api.token'), 'utf8').trim();
  const caPem = readFileSync(join(dir, 'ca.pem'), 'utf8');
  const url = new URL(server.address);
  const call = (method: string, path: string, callOptions: CallOptions = {}): Promise<{ status: number; body: unknown }> =>
    httpsJson(new URL(path, url), caPem, { ...callOptions, method, token: callOptions.token === undefined ? token : callOptions.token });
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= server.close().then(() => registry.close());
    return stopped;
  };
  return {
    dir,
    server,
    registry,
    token,
    caPem,
    hostPort: url.host,
    logs,
    call,
    stop,
    [Symbol.asyncDispose]: async () => {
      await stop();
      root?.[Symbol.dispose]();
    },
  };
}

/** The `error.code` of an API answer. */
export function errorCode(body: unknown): string | undefined {
  return (body as { error?: { code?: string } } | null)?.error?.code;
}

/** One HTTPS call trusting only `caPem`, on a fresh connection; the body is parsed as JSON. */
export function httpsJson(url: URL, caPem: string, options: CallOptions & { method?: string } = {}): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
    const bearer = options.token ?? null;
    const req = request(url, {
      method: options.method ?? (payload === undefined ? 'GET' : 'POST'),
      ca: caPem,
      agent: false,
      ...(options.clientCert ?? {}),
      headers: { ...(bearer === null ? {} : { authorization: `Bearer ${bearer}` }), ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString() || 'null') as unknown });
      });
    });
    req.end(payload);
  });
}
