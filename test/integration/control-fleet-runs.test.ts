/**
 * Fleet runs remembered by the control host, end to end with real processes on loopback (one
 * control host, two agents, test/support/fleet.ts): `writ send --detach`, `writ status [RUN]`,
 * `writ logs RUN [-f]`, `writ cancel RUN`, unknown runs, operator auth on the new routes, and a
 * record surviving a control host restart.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sealTest } from '../../src/bundle/testing/writs.js';
import { httpsJson } from '../../src/control/server/testing.js';
import { writ } from '../support/cli.js';
import { startFleet, type Fleet } from '../support/fleet.js';
import { tempDir } from '../support/temp.js';

const root = tempDir('writ-control-fleet-runs-');
const at = (name: string): string => join(root.path, name);
const caDir = at('ca');
const owner = generateKeyPairSync('ed25519');
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
let fleet: Fleet | undefined;

before(async () => {
  writeFileSync(at('owner.pem'), owner.publicKey.export({ type: 'spki', format: 'pem' }));
  fleet = await startFleet({ root: root.path, trustPath: at('owner.pem'), agentNames: ['agent-1', 'agent-2'], tags: 'web' });
});

after(async () => {
  await fleet?.stop();
  root[Symbol.dispose]();
});

interface HostView { host: string; state: string; exitCode: number | null; agentRunId: string | null; error: { code: string } | null; live: { state: string } | null }
interface RunView { id: string; state: string; hosts: HostView[] }

async function sealed(name: string, script: string): Promise<string> {
  const path = at(`${name}.writ`);
  writeFileSync(path, (await sealTest(owner.privateKey, { script: { name: `${name}.js`, bytes: enc(script) } })).writ);
  return path;
}

function detach(job: string): { run: string; hosts: string[] } {
  const sent = writ(['send', 'tag:web', job, '--detach', '--dir', caDir, '--json']);
  assert.equal(sent.code, 0, sent.stderr);
  return JSON.parse(sent.stdout) as { run: string; hosts: string[] };
}

function status(run: string): RunView {
  const shown = writ(['status', run, '--dir', caDir, '--json']);
  assert.equal(shown.code, 0, shown.stderr);
  return JSON.parse(shown.stdout) as RunView;
}

async function until(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not ${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const jsonLines = (stdout: string): Record<string, unknown>[] => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
let finishedRun = '';

test('send --detach answers at once with the run id; status shows each host\'s exact exit code once finished; logs shows both hosts\' output', async () => {
  const job = await sealed('hello', 'console.log("hello from the fleet"); 1');
  const { run, hosts } = detach(job);
  assert.match(run, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.deepEqual(hosts, ['agent-1', 'agent-2']);
  let view = status(run);
  await until('finished', () => (view = status(run)).state === 'finished');
  assert.deepEqual(view.hosts.map((h) => [h.host, h.state, h.exitCode, h.error]), [['agent-1', 'finished', 0, null], ['agent-2', 'finished', 0, null]]);
  assert.ok(view.hosts.every((h) => typeof h.agentRunId === 'string'));
  const human = writ(['status', run, '--dir', caDir]);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /^NAME\s+STATE\s+EXIT\s+AGENT-RUN\s+ERROR$/m);
  assert.match(human.stdout, /^agent-2\s+ok\s+0\s/m);
  assert.match(human.stdout, /overall: finished, exit 0/);

  const logs = writ(['logs', run, '--dir', caDir]);
  assert.equal(logs.code, 0, logs.stderr);
  assert.deepEqual(logs.stdout.trim().split('\n').sort(), ['agent-1: hello from the fleet', 'agent-2: hello from the fleet']);
  const one = writ(['logs', run, '--host', 'agent-2', '--dir', caDir, '--json']);
  assert.deepEqual(jsonLines(one.stdout).filter((l) => l.type !== 'summary').map((l) => [l.type, l.host]), [['output', 'agent-2'], ['result', 'agent-2']]);
  const listed = writ(['status', '--dir', caDir, '--json']);
  assert.equal((JSON.parse(listed.stdout) as { id: string }[])[0]?.id, run, 'the newest run first');
  finishedRun = run;
});

test('logs -f follows a running script to its end and exits like send (the hosts\' shared code)', async () => {
  const job = await sealed('slow', 'console.log("working"); const end = Date.now() + 2000; while (Date.now() < end) {} console.log("done"); throw new Error("failed on purpose")');
  const { run } = detach(job);
  const started = Date.now();
  const followed = writ(['logs', run, '-f', '--dir', caDir]);
  assert.equal(followed.code, 1, followed.stderr);
  assert.ok(Date.now() - started >= 1000, 'it waited for the script');
  for (const host of ['agent-1', 'agent-2']) assert.match(followed.stdout, new RegExp(`^${host}: working\\n(?:.*\\n)*${host}: done$`, 'm'));
  const view = status(run);
  assert.deepEqual(view.hosts.map((h) => [h.state, h.exitCode]), [['finished', 1], ['finished', 1]]);
});

test('cancel stops a long-running script on every host; the run and its hosts end cancelled', async () => {
  const job = await sealed('spin', 'console.log("spinning"); const end = Date.now() + 30000; while (Date.now() < end) {} 1');
  const { run } = detach(job);
  await until('running on both agents', () => status(run).hosts.every((h) => h.live?.state === 'running'));
  const cancelled = writ(['cancel', run, '--dir', caDir, '--json']);
  assert.equal(cancelled.code, 0, cancelled.stderr);
  const answer = JSON.parse(cancelled.stdout) as { stoppedDispatch: boolean; hosts: { host: string; outcome: string }[] };
  assert.deepEqual(answer.hosts.map((h) => [h.host, h.outcome]), [['agent-1', 'cancelled'], ['agent-2', 'cancelled']]);
  assert.equal(answer.stoppedDispatch, true);
  const started = Date.now();
  let view = status(run);
  await until('cancelled', () => (view = status(run)).state === 'cancelled', 10_000);
  assert.ok(Date.now() - started < 10_000);
  assert.deepEqual(view.hosts.map((h) => [h.state, h.exitCode, h.error?.code]), [['finished', null, 'CANCELLED'], ['finished', null, 'CANCELLED']]);
  const again = writ(['cancel', run, '--dir', caDir, '--json']);
  assert.deepEqual((JSON.parse(again.stdout) as { hosts: { outcome: string }[] }).hosts.map((h) => h.outcome), ['already-final', 'already-final']);
});

test('an unknown run is FLEET_RUN_NOT_FOUND (exit 1) for status, logs and cancel', () => {
  for (const args of [['status'], ['logs'], ['logs', '-f'], ['cancel']]) {
    const refused = writ([...args, randomUUID(), '--dir', caDir]);
    assert.equal(refused.code, 1, `${args.join(' ')}: ${refused.stderr}`);
    assert.match(refused.stderr, /^writ: FLEET_RUN_NOT_FOUND: /m);
  }
  const malformed = writ(['status', '../../etc/passwd', '--dir', caDir]);
  assert.equal(malformed.code, 1);
  assert.match(malformed.stderr, /FLEET_RUN_NOT_FOUND/);
});

test('the fleet-run routes admit operators only: no token or a wrong one is UNAUTHENTICATED', async () => {
  const caPem = readFileSync(join(caDir, 'ca.pem'), 'utf8');
  const base = `https://${fleet?.control ?? ''}`;
  // The runs name hosts, targets and output: nobody without the API token may read or cancel them.
  for (const [method, path] of [['GET', '/v1/fleet/runs'], ['GET', `/v1/fleet/runs/${finishedRun}`], ['GET', `/v1/fleet/runs/${finishedRun}/events`], ['POST', `/v1/fleet/runs/${finishedRun}/cancel`]] as const) {
    for (const token of [null, 'wrong-token']) {
      const answer = await httpsJson(new URL(path, base), caPem, { method, token, ...(method === 'POST' ? { body: {} } : {}) });
      assert.equal(answer.status, 401, `${method} ${path}`);
      assert.equal((answer.body as { error: { code: string } }).error.code, 'UNAUTHENTICATED');
    }
  }
});

test('a run\'s record survives a control host restart', async () => {
  assert.ok(fleet);
  await fleet.restartControl();
  const view = status(finishedRun);
  assert.deepEqual([view.state, view.hosts.map((h) => [h.host, h.exitCode])], ['finished', [['agent-1', 0], ['agent-2', 0]]]);
  const logs = writ(['logs', finishedRun, '-f', '--dir', caDir]);
  assert.equal(logs.code, 0, logs.stderr);
  assert.match(logs.stdout, /^agent-1: hello from the fleet$/m);
});
