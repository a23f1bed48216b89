import { messageOf, WritError } from '../../core/errors.js';
import { connectNats, managerFor, serversShown, streamExists } from './connection.js';
import { consumerPlan } from './consumers.js';
import type { NatsTransportOptions } from './options.js';

/** Short: self-check must answer promptly even when the server is unreachable. */
const PROBE_TIMEOUT_MS = 3000;

/**
 * For `writ agent self-check`: connects once (no reconnecting), checks that both streams exist or
 * that the agent may create them, and closes. Nothing is created or changed. Returns a one-line
 * detail; throws CONFIG_INVALID for names NATS cannot carry, TRANSPORT_UNAVAILABLE otherwise.
 */
export async function probeNats(options: NatsTransportOptions): Promise<string> {
  const [host, ...tags] = consumerPlan(options);
  const nc = await connectNats(options, PROBE_TIMEOUT_MS, false);
  try {
    const jsm = await managerFor(nc);
    const missing: string[] = [];
    for (const stream of [options.runsStream, options.resultsStream]) if (!(await streamExists(jsm, stream))) missing.push(stream);
    if (missing.length > 0 && !options.createStreams) throw new WritError('TRANSPORT_UNAVAILABLE', `nats: stream ${missing.join(' and ')} missing; create it, or set nats.createStreams`);
    const streams = missing.length > 0 ? `${missing.join(', ')} will be created` : 'streams present';
    return `${serversShown(options.servers)} (nats-server ${nc.info?.version ?? 'unknown'}): ${streams}; consumes ${host?.subject ?? ''}${tags.length > 0 ? ` and ${tags.length} tags` : ''}`;
  } catch (err) {
    if (err instanceof WritError) throw err;
    throw new WritError('TRANSPORT_UNAVAILABLE', `nats: ${messageOf(err)}`, { cause: err });
  } finally {
    await nc.close();
  }
}
