/**
 * Load: 10,000 small writs through one real agent over HTTPS (keep-alive, 16 in flight). None may
 * be lost: every one is accepted, runs and succeeds exactly once; and the agent's memory stays
 * bounded: resident memory after 10,000 runs is not far above what it was after the first 2,000.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent as HttpsAgent } from 'node:https';
import { join } from 'node:path';
import { test } from 'node:test';
import { sealTest } from '../../src/bundle/testing/writs.js';
import { httpsRequest, makeServerCert, startAgent, writeConfig } from '../support/agent-process.js';
import { tempDir } from '../support/temp.js';

const TOTAL = 10_000;
const IN_FLIGHT = 16;

async function call(url: string, ca: Buffer, agent: HttpsAgent, method: string, body?: Uint8Array): Promise<{ status: number; text: string }> {
  const answer = await httpsRequest(url, { method, ca, agent, ...(body ? { body } : {}) });
  return { status: answer.status, text: answer.body.toString() };
}

async function residentBytes(url: string, ca: Buffer, agent: HttpsAgent): Promise<number> {
  const metrics = (await call(`${url}/metrics`, ca, agent, 'GET')).text;
  return Number(/^writ_agent_process_resident_memory_bytes (\d+)/m.exec(metrics)?.[1] ?? NaN);
}

test(`${TOTAL} writs through one agent over HTTPS: none lost, memory bounded`, { timeout: 900_000 }, async () => {
  using dir = tempDir('writ-load-');
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  mkdirSync(join(dir.path, 'trusted'));
  writeFileSync(join(dir.path, 'trusted', 'owner.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
  const tls = makeServerCert(dir.path);
  const config = writeConfig(
    join(dir.path, 'agent.yaml'),
    `trust:\n  paths: [${join(dir.path, 'trusted')}]\nstateDir: ${join(dir.path, 'state')}\nruns:\n  concurrency: 2\n  queue: 64\nhttps:\n  listen: 127.0.0.1:0\n  cert: ${tls.cert}\n  key: ${tls.key}\n`,
  );
  const agentProcess = await startAgent(config);
  const ca = readFileSync(tls.cert);
  const keepAlive = new HttpsAgent({ keepAlive: true, maxSockets: IN_FLIGHT });
  try {
    const writs = await Promise.all(Array.from({ length: TOTAL }, (_, i) => sealTest(privateKey, { script: { name: 'n.js', bytes: new TextEncoder().encode(`${i}`) } }).then((s) => s.writ)));
    const ids = new Array<string>(TOTAL);
    let next = 0;
    let rssAt2k = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < TOTAL; i = next++) {
        for (;;) {
          const posted = await call(`${agentProcess.url}/v1/runs`, ca, keepAlive, 'POST', writs[i]);
          // 503 QUEUE_FULL is back-pressure, not loss: the same writ is sent again.
          if (posted.status === 503) {
            await new Promise((r) => setTimeout(r, 5));
            continue;
          }
          assert.equal(posted.status, 202, posted.text);
          ids[i] = (JSON.parse(posted.text) as { run: { id: string } }).run.id;
          break;
        }
        if (i === 2000) rssAt2k = await residentBytes(agentProcess.url, ca, keepAlive);
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    // Every run reaches `succeeded` with its own result: nothing lost, nothing run twice.
    for (let i = 0; i < TOTAL; i++) {
      let run: { state: string; report: { result: unknown } | null } | undefined;
      for (let tries = 0; tries < 600; tries++) {
        run = JSON.parse((await call(`${agentProcess.url}/v1/runs/${ids[i] ?? ''}`, ca, keepAlive, 'GET')).text) as typeof run;
        if (run?.state !== 'queued' && run?.state !== 'running') break;
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(run?.state, 'succeeded', `writ ${i}`);
      assert.equal(run.report?.result, i);
    }
    assert.equal(new Set(ids).size, TOTAL);
    const metrics = (await call(`${agentProcess.url}/metrics`, ca, keepAlive, 'GET')).text;
    assert.match(metrics, new RegExp(`writ_runs_finished_total\\{state="succeeded"\\} ${TOTAL}\\b`));
    const rssAtEnd = await residentBytes(agentProcess.url, ca, keepAlive);
    console.log(`agent RSS after 2,000 runs ${(rssAt2k / 2 ** 20).toFixed(0)} MiB, after ${TOTAL}: ${(rssAtEnd / 2 ** 20).toFixed(0)} MiB`);
    // Bounded: 8,000 more runs may not add more than half again (a leak of 10 KB a run would add ~80 MB).
    assert.ok(rssAtEnd < rssAt2k * 1.5, `RSS grew from ${rssAt2k} to ${rssAtEnd}`);
  } finally {
    keepAlive.destroy();
    await agentProcess.stop();
  }
});
