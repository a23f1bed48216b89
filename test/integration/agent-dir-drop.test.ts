/**
 * `writ agent` with the directory-drop transport, as a real process: a sealed writ copied into the
 * inbox (in place, as plain `cp` or `scp` write it) runs, and the outbox gets its log, run view
 * and exit code; a tampered one gets exit 4 and SIGNATURE_INVALID; a file dropped while the agent
 * is down runs when it starts. Uses the agent config's `dirDrop: { inbox, outbox, pollMs }`.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sealTest } from '../../src/bundle/testing/writs.js';
import { startAgent, writeConfig, type AgentProcess } from '../support/agent-process.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('writ-agent-drop-');
after(() => {
  dir[Symbol.dispose]();
});
const at = (name: string): string => join(dir.path, name);
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const inbox = at('inbox');
const outbox = at('outbox');

const owner = generateKeyPairSync('ed25519');
mkdirSync(at('trusted'));
writeFileSync(join(at('trusted'), 'owner.pem'), owner.publicKey.export({ type: 'spki', format: 'pem' }));

const configPath = writeConfig(
  at('agent.yaml'),
  `trust:\n  paths: [${at('trusted')}]\nstateDir: ${at('state')}\nruns:\n  concurrency: 1\ndirDrop:\n  inbox: ${inbox}\n  outbox: ${outbox}\n  pollMs: 100\n`,
);

async function waitForExit(id: string, timeoutMs = 20_000): Promise<string> {
  const path = join(outbox, `${id}.exit`);
  const until = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > until) throw new Error(`${id}.exit did not appear in ${timeoutMs} ms; outbox: ${readdirSync(outbox).join(', ')}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return readFileSync(path, 'utf8');
}

const result = (name: string): string => readFileSync(join(outbox, name), 'utf8');

interface RunJson {
  id: string;
  state: string;
  transport: string;
  exitCode: number | null;
  report: { result: unknown } | null;
}

describe('writ agent over a dropped directory', () => {
  let agent: AgentProcess | undefined;

  before(async () => {
    agent = await startAgent(configPath);
  });
  after(async () => {
    await agent?.stop();
  });

  test('the transport starts and says which inbox it polls', async () => {
    const line = await agent!.waitForLog((l) => l.event === 'transport.started' && l.transport === 'dir-drop');
    assert.equal(line.address, `dir-drop:${inbox}`);
  });

  test('a sealed writ copied into the inbox runs; the outbox gets its log, run view and exit 0', async () => {
    const sealed = await sealTest(owner.privateKey, { script: { name: 'hello.js', bytes: enc('console.log("hello from a dropped file"); 6 * 7') } });
    writeFileSync(at('hello.writ'), sealed.writ);
    copyFileSync(at('hello.writ'), join(inbox, 'hello.writ'));
    assert.equal(await waitForExit('hello'), '0\n');
    assert.equal(result('hello.log'), 'hello from a dropped file\n');
    const run = JSON.parse(result('hello.json')) as RunJson;
    assert.deepEqual([run.state, run.exitCode, run.transport, run.report?.result], ['succeeded', 0, 'dir-drop', 42]);
    const accepted = await agent!.waitForLog((l) => l.event === 'run.accepted' && l.runId === run.id);
    assert.equal(accepted.transport, 'dir-drop');
    assert.ok(!existsSync(join(inbox, 'hello.writ')), 'the dropped file is consumed');
  });

  test('a tampered writ gets exit 4, an empty log and SIGNATURE_INVALID in its json', async () => {
    const sealed = await sealTest(owner.privateKey);
    const tampered = Uint8Array.from(sealed.writ);
    tampered[40] = (tampered[40] ?? 0) ^ 1;
    writeFileSync(join(inbox, 'tampered.writ'), tampered);
    assert.equal(await waitForExit('tampered'), '4\n');
    assert.equal(result('tampered.log'), '');
    const body = JSON.parse(result('tampered.json')) as { run: RunJson | null; error: { code: string } };
    assert.equal(body.error.code, 'SIGNATURE_INVALID');
    assert.equal(body.run?.state, 'rejected');
    assert.match(body.run?.id ?? '', /^[0-9a-f-]{36}$/);
  });

  test('SIGTERM mid-run, then a drop while the agent is down: the run finishes with its whole result; the new drop runs at the next start', async () => {
    const ticker = 'for (let i = 0; i < 4; i++) { console.log("tick " + i); const t = Date.now(); while (Date.now() - t < 150) {} } "drained"';
    writeFileSync(join(inbox, 'tick.writ'), (await sealTest(owner.privateKey, { script: { name: 'tick.js', bytes: enc(ticker) } })).writ);
    await agent!.waitForLog((l) => l.event === 'run.started');
    assert.equal(await agent!.stop('SIGTERM'), 0);
    agent = undefined;
    writeFileSync(join(inbox, 'later.writ'), (await sealTest(owner.privateKey, { script: { name: 'later.js', bytes: enc('"ran after restart"') } })).writ);
    agent = await startAgent(configPath);
    // The drained run's result is written as it finishes, or (if the process exited first) from the
    // run store at the next start: either way it is whole, and nothing is left pending.
    assert.equal(await waitForExit('tick'), '0\n');
    assert.equal(result('tick.log'), 'tick 0\ntick 1\ntick 2\ntick 3\n');
    assert.equal((JSON.parse(result('tick.json')) as RunJson).report?.result, 'drained');
    assert.equal(await waitForExit('later'), '0\n');
    assert.equal((JSON.parse(result('later.json')) as RunJson).report?.result, 'ran after restart');
    // Markers and partial logs are cleared right after each commit; allow that last step to land.
    const leftovers = (): string[] => readdirSync(outbox).filter((n) => n.startsWith('.') || n.endsWith('.partial'));
    for (let i = 0; i < 50 && leftovers().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(leftovers(), []);
  });
});
