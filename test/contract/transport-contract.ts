/**
 * One suite, run against every transport (as hono runs one suite against every router): the same
 * sealed writs, delivered through each medium to a real in-process agent (real verification, real
 * sandbox workers, real SQLite store), must give the same results a caller can rely on.
 */
process.env['TZ'] = 'UTC'; // the agent's executor pool requires a UTC process

import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { Agent, transportsFor } from '../../src/agent/index.js';
import { sealTest } from '../../src/bundle/testing/writs.js';
import { tempDir } from '../support/temp.js';
import { sleep, type TransportHarness } from './harness.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const DENY_SHADOW = 'permit(principal, action, resource);\nforbid(principal, action == file_system::Action::"read", resource == file_system::File::"/etc/shadow");\n';
/** Prints a line, then keeps the run going for a while, so output can be seen before the end. */
const SLOW = 'console.log("first line, while running"); const t = Date.now(); while (Date.now() - t < 2500) {} console.log("last line"); 1';
/** ~200 KB in many writes, with multi-byte characters, so chunking and offsets are exercised. */
const BIG = 'for (let i = 0; i < 4000; i++) console.log(`${i}: ` + "é✓x".repeat(15)); 1';
const bigExpected = (): string => Array.from({ length: 4000 }, (_, i) => `${i}: ${'é✓x'.repeat(15)}\n`).join('');

export function transportContract(makeHarness: (workDir: string) => Promise<TransportHarness>): void {
  const dir = tempDir('writ-contract-');
  const owner = generateKeyPairSync('ed25519');
  let harness: TransportHarness;
  let agent: Agent;

  before(async () => {
    harness = await makeHarness(dir.path);
    mkdirSync(join(dir.path, 'trusted'));
    writeFileSync(join(dir.path, 'trusted', 'owner.pem'), owner.publicKey.export({ type: 'spki', format: 'pem' }));
    const configPath = join(dir.path, 'agent.yaml');
    writeFileSync(configPath, `host:\n  name: contract-host\n  tags: [contract]\ntrust:\n  paths: [${join(dir.path, 'trusted')}]\nstateDir: ${join(dir.path, 'state')}\nruns:\n  concurrency: 2\n${harness.configYaml}`);
    const quiet = new Writable({ write: (_chunk, _enc, done) => { done(); } });
    agent = Agent.create({ configPath, transports: transportsFor, logDestination: quiet });
    await agent.start();
  });
  after(async () => {
    await agent.shutdown(5_000);
    await harness.close();
    dir[Symbol.dispose]();
  });

  const seal = async (name: string, script: string, policy?: string) =>
    (await sealTest(owner.privateKey, { script: { name, bytes: enc(script) }, ...(policy ? { policy: enc(policy) } : {}) })).writ;

  describe('transport contract', () => {
    test('a sealed writ runs once and its output arrives byte for byte, with exit code 0', async () => {
      const delivery = await harness.deliver(await seal('hello.js', 'console.log("héllo ✓"); log.info("to the log"); 42'), 'hello');
      const result = await delivery.final();
      assert.equal(result.exitCode, 0);
      assert.equal(result.errorCode, null);
      assert.match(result.log.toString('utf8'), /^héllo ✓\n/);
    });

    test('exit codes are preserved exactly: a script error is 1, a denied operation 3', async () => {
      const [failed, denied] = await Promise.all([
        harness.deliver(await seal('fail.js', 'console.log("about to fail"); throw new Error("boom")'), 'fail'),
        harness.deliver(await seal('deny.js', 'fs.read("/etc/shadow")', DENY_SHADOW), 'deny'),
      ]);
      const [f, d] = await Promise.all([failed.final(), denied.final()]);
      assert.deepEqual([f.exitCode, d.exitCode], [1, 3]);
      assert.match(f.log.toString(), /about to fail/);
    });

    test('a tampered writ is refused with SIGNATURE_INVALID and exit 4, and nothing runs', async () => {
      const writ = Uint8Array.from(await seal('tampered.js', 'console.log("must not run")'));
      writ[60] = (writ[60] ?? 0) ^ 1;
      const result = await (await harness.deliver(writ, 'tampered')).final();
      assert.deepEqual([result.exitCode, result.errorCode, result.log.length], [4, 'SIGNATURE_INVALID', 0]);
    });

    test('the same writ delivered twice runs once: the second is REPLAYED', async () => {
      const writ = await seal('once.js', 'console.log("ran"); 1');
      const first = await (await harness.deliver(writ, 'once-a')).final();
      const second = await (await harness.deliver(writ, 'once-b')).final();
      assert.deepEqual([first.exitCode, first.log.toString()], [0, 'ran\n']);
      assert.deepEqual([second.exitCode, second.errorCode, second.log.length], [4, 'REPLAYED', 0]);
    });

    test('a large output arrives complete, in order and byte for byte', async () => {
      const result = await (await harness.deliver(await seal('big.js', BIG), 'big')).final(60_000);
      assert.equal(result.exitCode, 0);
      assert.equal(result.log.toString('utf8'), bigExpected());
    });

    test('output is visible while the run goes on, and the result is never final before the run ends', async () => {
      const delivery = await harness.deliver(await seal('slow.js', SLOW), 'slow');
      const deadline = Date.now() + 15_000;
      let seenLive = false;
      for (;;) {
        const p = await delivery.progress();
        if (p.final) break;
        if (p.log.toString().includes('first line, while running')) seenLive = true;
        assert.ok(Date.now() < deadline, 'the run did not finish in time');
        await sleep(50);
      }
      assert.ok(seenLive, 'the first line was not visible before the run ended');
      const result = await delivery.final();
      assert.equal(result.log.toString(), 'first line, while running\nlast line\n');
    });
  });
}
