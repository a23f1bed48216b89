import type { NatsConnection } from '@nats-io/transport-node';
import { messageOf, WritError } from '../../core/errors.js';

/**
 * Reports the connection's ups and downs, once per change: the client reconnects by itself, and
 * a server away for an hour must show as one "disconnected" and one "reconnected", not thousands.
 */
export async function reportStatusChanges(nc: NatsConnection, report: (err: unknown) => void, onReconnect: () => void): Promise<void> {
  let connected = true;
  let lastError = '';
  for await (const status of nc.status()) {
    switch (status.type) {
      case 'disconnect':
      case 'staleConnection':
        if (connected) report(new WritError('TRANSPORT_UNAVAILABLE', `nats: disconnected${status.type === 'disconnect' ? ` from ${status.server}` : ' (stale connection)'}; reconnecting`));
        connected = false;
        break;
      case 'reconnect':
        if (!connected) report(new WritError('TRANSPORT_RECONNECTED', `nats: reconnected to ${status.server}`));
        connected = true;
        lastError = '';
        onReconnect();
        break;
      case 'ldm':
        report(new WritError('TRANSPORT_UNAVAILABLE', `nats: ${status.server} is entering lame duck mode; the client moves to another server`));
        break;
      case 'error':
        // Permission violations and the like repeat on every attempt: the first of a streak says it.
        if (messageOf(status.error) !== lastError) report(new WritError('TRANSPORT_UNAVAILABLE', `nats: ${messageOf(status.error)}`, { cause: status.error }));
        lastError = messageOf(status.error);
        break;
      default:
        break;
    }
  }
}
