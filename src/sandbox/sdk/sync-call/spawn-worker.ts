import { Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';

/**
 * Starts the sync-call worker. A tiny CommonJS bootstrap (eval) imports the real entry, so the same
 * code path works from compiled JS in dist/ (entry `worker.js` beside this file) and from TypeScript
 * sources run through tsx (entry `worker.ts`; Node 20 workers do not inherit tsx's loader hooks, so
 * the bootstrap registers tsx in the worker first). A boot failure is reported through the same
 * port/counter as answers (id 0), so the blocked caller fails fast instead of waiting to its deadline.
 */
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsxApi) (await import(workerData.tsxApi)).register();
  const entry = await import(workerData.entry);
  entry.start({ port: workerData.port, signal: workerData.signal });
})().catch((err) => {
  try {
    workerData.port.postMessage({ id: 0, ok: false, error: { code: 'WORKER_BOOT_FAILED', message: String(err && err.message || err) } });
  } finally {
    Atomics.add(workerData.signal, 0, 1);
    Atomics.notify(workerData.signal, 0);
  }
});
`;

export function spawnWorker(port: MessagePort, signal: Int32Array): Worker {
  const self = import.meta.url;
  const fromSource = self.endsWith('.ts');
  const entry = new URL(fromSource ? './worker.ts' : './worker.js', self).href;
  const tsxApi = fromSource ? import.meta.resolve('tsx/esm/api') : null;
  const worker = new Worker(BOOTSTRAP, {
    eval: true,
    workerData: { entry, tsxApi, port, signal },
    transferList: [port],
    // The worker needs nothing from the host's environment (no proxies, no NODE_OPTIONS surprises).
    env: {},
    execArgv: [],
    stdout: false,
    stderr: false,
  });
  // Never keep the host process alive for the worker's sake.
  worker.unref();
  return worker;
}
