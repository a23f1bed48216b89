/**
 * The fleet end to end with real processes on loopback: `writ control serve`, two agents paired
 * through `writ agent request-pairing` + `writ control approve`, then serving mutual TLS with the
 * certificates they were issued; `writ hosts`, `writ ping tag:web` and `writ send` fan out through
 * the control host, with live output, exact exit codes, --max-errors, and the auth hook failing closed.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sealTest } from '../../src/bundle/testing/writs.js';
import { writ } from '../support/cli.js';
import { startFleet, type Fleet } from '../support/fleet.js';
import { tempDir } from '../support/temp.js';

const root = tempDir('writ-control-fleet-');
const at = (name: string): string => join(root.path, name);
const caDir = at('ca');
const denyFlag = at('deny-everything');
const owner = generateKeyPairSync('ed25519');
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
let fleet: Fleet | undefined;

before(async () => {
  writeFileSync(at('owner.pem'), owner.publicKey.export({ type: 'spki', format: 'pem' }));
  const hook = at('auth-hook.sh');
  // Allows unless the flag file exists: the test flips it to see a refusal stop a request.
  writeFileSync(hook, `#!/bin/sh\ncat > ${at('last-auth.json')}\nif [ -e ${denyFlag} ]; then echo "frozen by test" >&2; exit 1; fi\nexit 0\n`);
  chmodSync(hook, 0o755);
  fleet = await startFleet({ root: root.path, trustPath: at('owner.pem'), agentNames: ['agent-1', 'agent-2'], tags: 'web', serveArgs: ['--auth-hook', hook] });
});

after(async () => {
  await fleet?.stop();
  root[Symbol.dispose]();
});

const jsonLines = (stdout: string): Record<string, unknown>[] => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
const results = (stdout: string) => jsonLines(stdout).filter((l) => l.type === 'result');

test('writ hosts lists both paired agents with their tags', () => {
  const listed = writ(['hosts', '--dir', caDir, '--json']);
  assert.equal(listed.code, 0, listed.stderr);
  const hosts = JSON.parse(listed.stdout) as { name: string; tags: string[] }[];
  assert.deepEqual(hosts.map((h) => [h.name, h.tags]), [['agent-1', ['web']], ['agent-2', ['web']]]);
});

test('writ ping tag:web reaches both agents over mutual TLS', () => {
  const pinged = writ(['ping', 'tag:web', '--dir', caDir, '--json']);
  assert.equal(pinged.code, 0, pinged.stderr);
  assert.deepEqual(results(pinged.stdout).map((r) => [r.host, r.status]).sort(), [['agent-1', 'ok'], ['agent-2', 'ok']]);
});

test('hosts that answer after their timeout cannot disturb the control host: the next ping still works', async () => {
  const late = writ(['ping', 'tag:web', '--dir', caDir, '--timeout', '1', '--json']);
  assert.equal(late.code, 1);
  assert.deepEqual(results(late.stdout).map((r) => r.status), ['timeout', 'timeout']);
  // The agents' answers arrive now, after the summary ended the response.
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(writ(['ping', 'tag:web', '--dir', caDir, '--json']).code, 0, fleet?.serve.stderr());
});

test('writ send fans a writ out: live output from each host, exact exit codes, a summary table', async () => {
  const job = at('hello.writ');
  writeFileSync(job, (await sealTest(owner.privateKey, { script: { name: 'hello.js', bytes: enc('console.log("hello from " + sys.hostname().length); 1') } })).writ);
  const sent = writ(['send', 'tag:web', job, '--dir', caDir, '--json']);
  assert.equal(sent.code, 0, sent.stderr);
  const lines = jsonLines(sent.stdout);
  assert.equal(lines.filter((l) => l.type === 'output').length, 2);
  assert.deepEqual(results(sent.stdout).map((r) => [r.host, r.status, r.exitCode]).sort(), [['agent-1', 'ok', 0], ['agent-2', 'ok', 0]]);
  assert.equal(lines.at(-1)?.type, 'summary');
  // A writ far beyond the control host's small default body limit (a 300 KB sealed input) goes through too.
  const big = at('big.writ');
  const input = new Map([['data.bin', new Uint8Array(randomBytes(300 * 1024))]]);
  writeFileSync(big, (await sealTest(owner.privateKey, { inputs: input, script: { name: 'big.js', bytes: enc('console.log(inputs.readBytes("data.bin").length); 1') } })).writ);
  const bigSent = writ(['send', 'agent-1', big, '--dir', caDir, '--json']);
  assert.equal(bigSent.code, 0, bigSent.stderr + bigSent.stdout);
  assert.equal(jsonLines(bigSent.stdout).find((l) => l.type === 'output')?.text, '307200\n');
  const human = writ(['send', 'agent-1', at('again.writ'), '--dir', caDir]);
  assert.equal(human.code, 2, 'a missing file is a usage error');
});

test('a failing script keeps its exit code per host; --max-errors 0 stops dispatching after the first failure', async () => {
  const job = at('fail.writ');
  writeFileSync(job, (await sealTest(owner.privateKey, { script: { name: 'fail.js', bytes: enc('throw new Error("no")') } })).writ);
  const sent = writ(['send', 'agent-1,agent-2', job, '--dir', caDir, '--max-concurrency', '1', '--max-errors', '0', '--json']);
  assert.equal(sent.code, 1);
  assert.deepEqual(results(sent.stdout).map((r) => [r.host, r.status, r.exitCode]), [['agent-1', 'failed', 1], ['agent-2', 'skipped', null]]);
});

test('the auth hook sees each request and its refusal stops it before any agent is reached', () => {
  mkdirSync(denyFlag);
  try {
    const refused = writ(['ping', 'agent-1', '--dir', caDir, '--json']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /AUTH_HOOK_DENIED/);
    const seen = JSON.parse(readFileSync(at('last-auth.json'), 'utf8')) as { action: string; operator: string; targets: string[] };
    assert.deepEqual([seen.action, seen.operator, seen.targets], ['ping', 'api-token', ['agent-1']]);
  } finally {
    rmSync(denyFlag, { recursive: true });
  }
  assert.equal(writ(['ping', 'agent-1', '--dir', caDir, '--json']).code, 0);
});

test('a paired agent process takes a renewed certificate without restarting, and a fan-out after it still works', async () => {
  const certPath = join(root.path, 'agent-2', 'agent.crt');
  const before = readFileSync(certPath, 'utf8');
  const renewed = writ(['control', 'renew', 'agent-2', '--dir', caDir, '--json']);
  assert.equal(renewed.code, 0, renewed.stderr);
  const { serial, previousSerial } = (JSON.parse(renewed.stdout) as { renewed: { serial: string; previousSerial: string } }).renewed;
  assert.notEqual(serial, previousSerial);
  // The agent wrote the new pair itself (its key never left it) and serves it: the control host,
  // which checks the identity of every new connection, reaches it over a fresh one.
  assert.notEqual(readFileSync(certPath, 'utf8'), before);
  const pinged = writ(['ping', 'agent-2', '--dir', caDir, '--json']);
  assert.equal(pinged.code, 0, pinged.stderr);
  const job = at('after-renewal.writ');
  writeFileSync(job, (await sealTest(owner.privateKey, { script: { name: 'after.js', bytes: enc('console.log("still here"); 1') } })).writ);
  const sent = writ(['send', 'tag:web', job, '--dir', caDir, '--json']);
  assert.equal(sent.code, 0, sent.stderr);
  assert.deepEqual(results(sent.stdout).map((r) => [r.host, r.status]).sort(), [['agent-1', 'ok'], ['agent-2', 'ok']]);
  const listed = JSON.parse(writ(['hosts', '--dir', caDir, '--json']).stdout) as { name: string; certSerial: string }[];
  assert.equal(listed.find((h) => h.name === 'agent-2')?.certSerial, serial);
});
