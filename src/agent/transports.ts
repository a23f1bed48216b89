import type { Transport } from '../transport/index.js';
import { DirDropTransport } from '../transport/dir-drop/index.js';
import { HttpsTransport } from '../transport/https/index.js';
import type { AgentConfig } from './config/index.js';

/** host:port -> parts; IPv6 literals in brackets. */
export function parseListen(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  const host = listen.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(listen.slice(at + 1)) };
}

/** The transports a configuration asks for; `onError` receives failures no run record can hold. */
export function transportsFor(config: AgentConfig, onError?: (transport: string, err: unknown) => void): Transport[] {
  const out: Transport[] = [];
  if (config.https) {
    const { host, port } = parseListen(config.https.listen);
    out.push(
      new HttpsTransport({
        host,
        port,
        certPath: config.https.cert,
        keyPath: config.https.key,
        ...(config.https.clientCa ? { clientCaPath: config.https.clientCa } : {}),
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
        ...(onError ? { onError: (err: unknown) => { onError('dir-drop', err); } } : {}),
      }),
    );
  }
  return out;
}
