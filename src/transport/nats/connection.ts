import { readFile } from 'node:fs/promises';
import { jetstreamManager, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { connect, credsAuthenticator, nanos, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { messageOf, WritError } from '../../core/errors.js';
import type { NatsTransportOptions } from './options.js';
import { resultsWildcard, runsWildcard } from './subjects.js';

/** JetStream API error codes this transport tells apart (nats-server's stable numbers). */
export const STREAM_NOT_FOUND = 10059;
export const CONSUMER_NOT_FOUND = 10014;

const RETENTION_DAYS = 7;
const DAY_MS = 86_400_000;

export function apiErrorCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Where the transport connects, for logs and errors (never credentials: URLs may carry them). */
export function serversShown(servers: readonly string[]): string {
  return servers.map((s) => s.replace(/\/\/[^@/]*@/, '//')).join(',');
}

/**
 * Connects with the configured credentials. The client reconnects on its own after a disconnect,
 * and never gives up: an agent that stopped trying after ten attempts would stop receiving writs silently.
 */
export async function connectNats(options: NatsTransportOptions, timeoutMs: number, reconnect = true): Promise<NatsConnection> {
  const connectOptions: NodeConnectionOptions = {
    servers: [...options.servers],
    name: `writ-agent ${options.hostName}`,
    timeout: timeoutMs,
    reconnect,
    maxReconnectAttempts: -1,
  };
  try {
    if (options.token !== undefined) connectOptions.token = options.token;
    if (options.credsFile !== undefined) connectOptions.authenticator = credsAuthenticator(await readFile(options.credsFile));
    const { ca, cert, key } = options.tls ?? {};
    // The client treats tls:// as a hint and talks plain text to a server that does not offer TLS: require it.
    if (options.tls || options.servers.some((s) => s.startsWith('tls://'))) {
      connectOptions.tls = { ...(ca ? { caFile: ca } : {}), ...(cert ? { certFile: cert } : {}), ...(key ? { keyFile: key } : {}) };
    }
    return await connect(connectOptions);
  } catch (err) {
    throw new WritError('TRANSPORT_UNAVAILABLE', `nats: cannot connect to ${serversShown(options.servers)}: ${messageOf(err)}`, { cause: err });
  }
}

/** Both streams exist, or are created when `createStreams` allows; anything else is TRANSPORT_UNAVAILABLE. */
export async function ensureStreams(jsm: JetStreamManager, options: NatsTransportOptions): Promise<void> {
  await ensureStream(jsm, options, options.runsStream, runsWildcard(options.subjectPrefix));
  await ensureStream(jsm, options, options.resultsStream, resultsWildcard(options.subjectPrefix));
}

async function ensureStream(jsm: JetStreamManager, options: NatsTransportOptions, name: string, subject: string): Promise<void> {
  if (await streamExists(jsm, name)) return;
  if (!options.createStreams) throw new WritError('TRANSPORT_UNAVAILABLE', `nats: stream ${name} (subjects ${subject}) does not exist; create it, or set nats.createStreams`);
  try {
    await jsm.streams.add({ name, subjects: [subject], retention: RetentionPolicy.Limits, storage: StorageType.File, max_age: nanos(RETENTION_DAYS * DAY_MS) });
  } catch (err) {
    // Another agent may have created it a moment ago: what counts is that it is there now.
    if (await streamExists(jsm, name)) return;
    throw new WritError('TRANSPORT_UNAVAILABLE', `nats: cannot create stream ${name}: ${messageOf(err)}`, { cause: err });
  }
}

export async function streamExists(jsm: JetStreamManager, name: string): Promise<boolean> {
  try {
    await jsm.streams.info(name);
    return true;
  } catch (err) {
    if (apiErrorCode(err) === STREAM_NOT_FOUND) return false;
    throw new WritError('TRANSPORT_UNAVAILABLE', `nats: cannot look up stream ${name}: ${messageOf(err)}`, { cause: err });
  }
}

/** JetStream's manager, or TRANSPORT_UNAVAILABLE when the server or account has no JetStream. */
export async function managerFor(nc: NatsConnection): Promise<JetStreamManager> {
  try {
    return await jetstreamManager(nc);
  } catch (err) {
    throw new WritError('TRANSPORT_UNAVAILABLE', `nats: JetStream is not available: ${messageOf(err)}`, { cause: err });
  }
}
