import { Worker } from 'node:worker_threads';

/**
 * A loopback HTTP server for SDK tests. It runs in its own worker thread because the SDK blocks the
 * test's main thread while it waits for an answer. Every request path is recorded, so tests can prove
 * that a denied URL was never requested. Listens on 127.0.0.1 only.
 */
const SERVER = `
const { parentPort } = require('node:worker_threads');
const http = require('node:http');
const hits = [];
const server = http.createServer((req, res) => {
  hits.push(req.url);
  const url = new URL(req.url, 'http://x');
  const p = url.pathname;
  if (p === '/ok') { res.setHeader('x-test', 'yes'); res.end('hello \\u2713'); return; }
  if (p === '/echo-headers') { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(req.headers)); return; }
  if (p === '/redirect') { res.statusCode = Number(url.searchParams.get('code') || 302); res.setHeader('location', url.searchParams.get('to')); res.end('moved'); return; }
  if (p.startsWith('/chain/')) {
    const n = Number(p.slice(7));
    if (n > 0) { res.statusCode = 302; res.setHeader('location', '/chain/' + (n - 1)); res.end(); } else res.end('end of chain');
    return;
  }
  if (p === '/loop') { res.statusCode = 301; res.setHeader('location', '/loop'); res.end(); return; }
  if (p === '/big') {
    const n = Number(url.searchParams.get('n'));
    if (url.searchParams.get('declared')) res.setHeader('content-length', String(n));
    let left = n;
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const pump = () => {
      while (left > 0) {
        const part = chunk.subarray(0, Math.min(left, chunk.length));
        left -= part.length;
        if (!res.write(part)) { res.once('drain', pump); return; }
      }
      res.end();
    };
    res.on('error', () => {});
    pump();
    return;
  }
  if (p === '/hang') return;
  if (p === '/status') { res.statusCode = Number(url.searchParams.get('code')); res.end('status'); return; }
  res.statusCode = 404; res.end('not found');
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ kind: 'ready', port: server.address().port }));
parentPort.on('message', (m) => {
  if (m === 'hits') parentPort.postMessage({ kind: 'hits', hits: hits.slice() });
  if (m === 'close') { server.closeAllConnections(); server.close(() => parentPort.postMessage({ kind: 'closed' })); }
});
`;

type ServerMessage = { kind: 'ready'; port: number } | { kind: 'hits'; hits: string[] } | { kind: 'closed' };

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  /** Request paths (with query) received so far, in order. */
  hits(): Promise<string[]>;
  close(): Promise<void>;
}

export async function startTestServer(): Promise<TestServer> {
  const worker = new Worker(SERVER, { eval: true });
  const next = (kind: ServerMessage['kind']): Promise<ServerMessage> =>
    new Promise((resolve, reject) => {
      const onMessage = (message: ServerMessage): void => {
        if (message.kind !== kind) return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        resolve(message);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  const ready = await next('ready');
  if (ready.kind !== 'ready') throw new Error('test server did not start');
  return {
    base: `http://127.0.0.1:${ready.port}`,
    async hits() {
      const reply = next('hits');
      worker.postMessage('hits');
      const message = await reply;
      return message.kind === 'hits' ? message.hits : [];
    },
    async close() {
      const reply = next('closed');
      worker.postMessage('close');
      await reply;
      await worker.terminate();
    },
  };
}
