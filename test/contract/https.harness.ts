import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { createServer } from 'node:net';
import { httpsRequest, makeServerCert } from '../support/agent-process.js';
import { until, type Delivery, type FinalResult, type TransportHarness } from './harness.js';

interface RunView {
  readonly id: string;
  readonly done: boolean;
  readonly exitCode: number | null;
  readonly error: { readonly code: string } | null;
}
/** POST answers wrap the run (`{ run, error? }`); GET /v1/runs/{id} is the run itself. */
interface RunBody {
  readonly run: RunView | null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/** POST the `.writ` as the body; poll the run's status and read its log by byte range, as curl would. */
export async function httpsHarness(workDir: string): Promise<TransportHarness> {
  const { cert, key } = makeServerCert(workDir);
  const ca = readFileSync(cert);
  const port = await freePort();
  const base = `https://127.0.0.1:${port}`;
  const agent = new HttpsAgent({ keepAlive: true, ca });
  const get = (path: string) => httpsRequest(`${base}${path}`, { ca, agent });

  const readLog = async (id: string): Promise<{ log: Buffer; done: boolean }> => {
    const chunks: Buffer[] = [];
    let offset = 0;
    for (;;) {
      const answer = await get(`/v1/runs/${id}/log?offset=${offset}`);
      if (answer.status !== 200) throw new Error(`log of ${id}: HTTP ${answer.status}`);
      chunks.push(answer.body);
      offset = Number(answer.headers['writ-next-offset']);
      const done = answer.headers['writ-run-done'] === 'true';
      if (done || answer.body.length === 0) return { log: Buffer.concat(chunks), done };
    }
  };

  const deliver = async (writ: Uint8Array): Promise<Delivery> => {
    const posted = await httpsRequest(`${base}/v1/runs`, { method: 'POST', body: writ, ca, agent, headers: { 'content-type': 'application/octet-stream' } });
    const id = (posted.json() as RunBody).run?.id;
    if (!id) throw new Error(`POST /v1/runs: HTTP ${posted.status} without a run: ${posted.body.toString()}`);
    return {
      progress: () => readLog(id).then(({ log, done }) => ({ log, final: done })),
      final: async (timeoutMs = 30_000): Promise<FinalResult> => {
        const run = await until(`run ${id} to finish`, timeoutMs, async () => {
          const view = (await get(`/v1/runs/${id}`)).json() as RunView;
          return view.done ? view : undefined;
        });
        const { log } = await readLog(id);
        return { exitCode: run.exitCode, log, errorCode: run.error?.code ?? null };
      },
    };
  };

  return {
    name: 'https',
    configYaml: `https:\n  listen: 127.0.0.1:${port}\n  cert: ${cert}\n  key: ${key}\n`,
    deliver,
    close: () => {
      agent.destroy();
      return Promise.resolve();
    },
  };
}
