import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { messageOf, WritError } from '../core/errors.js';
import { defaultStateDir } from '../core/state-dir.js';
import type { Transport } from '../transport/index.js';
import { DirDropTransport } from '../transport/dir-drop/index.js';
import { HttpsTransport } from '../transport/https/index.js';
import { NatsTransport, type NatsTransportOptions } from '../transport/nats/index.js';
import { S3Transport, type S3TransportOptions } from '../transport/s3/index.js';
import type { AgentConfig } from './config/index.js';

type OnError = (transport: string, err: unknown) => void;

/** host:port -> parts; IPv6 literals in brackets. */
export function parseListen(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  const host = listen.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(listen.slice(at + 1)) };
}

/** The transports a configuration asks for; `onError` receives failures no run record can hold. */
export function transportsFor(config: AgentConfig, onError?: OnError): Transport[] {
  const out: Transport[] = [];
  if (config.https) {
    const { host, port } = parseListen(config.https.listen);
    out.push(
      new HttpsTransport({
        host,
        port,
        certPath: config.https.cert,
        keyPath: config.https.key,
        ...(config.https.clientCa ? { clientCaPath: config.https.clientCa, requiredClientUri: config.https.clientUri } : {}),
        maxBodyBytes: config.trust.maxWritBytes,
      }),
    );
  }
  if (config.dirDrop) {
    out.push(
      new DirDropTransport({
        inbox: config.dirDrop.inbox,
        outbox: config.dirDrop.outbox,
        pollMs: config.dirDrop.pollMs,
        maxBytes: config.trust.maxWritBytes,
        ...reporter('dir-drop', onError),
      }),
    );
  }
  const s3 = s3OptionsFor(config, onError);
  if (s3) out.push(new S3Transport(s3));
  const nats = natsOptionsFor(config, onError);
  if (nats) out.push(new NatsTransport(nats));
  return out;
}

function reporter(name: string, onError: OnError | undefined): { onError?: (err: unknown) => void } {
  return onError ? { onError: (err: unknown) => { onError(name, err); } } : {};
}

/** The S3 transport's options from the config, or null when it has no `s3` section. */
export function s3OptionsFor(config: AgentConfig, onError?: OnError): S3TransportOptions | null {
  const c = config.s3;
  if (!c) return null;
  return {
    ...(c.endpoint ? { endpoint: c.endpoint } : {}),
    region: c.region,
    bucket: c.bucket,
    forcePathStyle: c.forcePathStyle,
    inboxPrefix: c.inboxPrefix,
    outboxPrefix: c.outboxPrefix,
    pollMs: c.pollMs,
    logFlushMs: c.logFlushMs,
    maxBytes: config.trust.maxWritBytes,
    ...reporter('s3', onError),
  };
}

function readSecret(path: string, field: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new WritError('CONFIG_INVALID', `${field}: cannot read ${path}: ${messageOf(err)}`, { cause: err });
  }
}

/**
 * Consumer names allow only [A-Za-z0-9_-]; a host name that needs changing gets a hash of its real
 * name too, because two hosts sharing one durable consumer would each run only part of their writs.
 */
function defaultDurable(hostName: string): string {
  if (/^[A-Za-z0-9_-]{1,200}$/.test(hostName)) return `writ-agent-${hostName}`;
  const readable = hostName.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 100);
  return `writ-agent-${readable}-${createHash('sha256').update(hostName).digest('hex').slice(0, 16)}`;
}

/** The NATS transport's options from the config, or null when it has no `nats` section. */
export function natsOptionsFor(config: AgentConfig, onError?: OnError): NatsTransportOptions | null {
  const c = config.nats;
  if (!c) return null;
  const hostName = config.host.name ?? hostname();
  return {
    servers: c.servers,
    hostName,
    tags: config.host.tags,
    subjectPrefix: c.subjectPrefix,
    runsStream: c.runsStream,
    resultsStream: c.resultsStream,
    createStreams: c.createStreams,
    durable: c.durable ?? defaultDurable(hostName),
    ...(c.credsFile ? { credsFile: c.credsFile } : {}),
    ...(c.tokenFile ? { token: readSecret(c.tokenFile, 'nats.tokenFile') } : {}),
    ...(c.tls ? { tls: { ...(c.tls.ca ? { ca: c.tls.ca } : {}), ...(c.tls.cert ? { cert: c.tls.cert } : {}), ...(c.tls.key ? { key: c.tls.key } : {}) } } : {}),
    maxBytes: config.trust.maxWritBytes,
    stateDir: join(config.stateDir ?? defaultStateDir(), 'nats-pending'),
    ...reporter('nats', onError),
  };
}
