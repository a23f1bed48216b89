/**
 * `writ agent` as a real process over real HTTPS on loopback: submission (.writ body and curl's
 * multipart bundle + sig), status, log polling by byte range, live server-sent events, cancel,
 * rejections with codes, queue refusal, SIGHUP reload, and the kill -9 crash test.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { packBundle, signDetached } from '../../src/bundle/index.js';
import { sealTest } from '../../src/bundle/testing/writs.js';
import { httpsRequest, makeServerCert, startAgent, writeConfig, type AgentProcess } from '../support/agent-process.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('writ-agent-');
after(() => {
  dir[Symbol.dispose]();
});
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const at = (name: string): string => join(dir.path, name);

function signer(name: string): { privateKey: KeyObject; pubPath: string } {
  const pair = generateKeyPairSync('ed25519');
  mkdirSync(at(name), { recursive: true });
  const pubPath = join(at(name), 'key.pem');
  writeFileSync(pubPath, pair.publicKey.export({ type: 'spki', format: 'pem' }));
  return { privateKey: pair.privateKey, pubPath };
}

function config(name: string, trustDir: string, extra = ''): string {
  const tls = makeServerCert(dir.path);
  return writeConfig(
    at(`${name}.yaml`),
    `trust:\n  paths: [${trustDir}]\nstateDir: ${at(`${name}-state`)}\nruns:\n  concurrency: 1\n  queue: 1\nhttps:\n  listen: 127.0.0.1:0\n  cert: ${tls.cert}\n  key: ${tls.key}\n${extra}`,
  );
}

interface RunBody {
  run: { id: string; state: string; done: boolean; exitCode: number | null; report: { result: unknown; stdout: string } | null; error: { code: string } | null };
  error?: { code: string };
}

async function waitDone(agent: AgentProcess, ca: Buffer, id: string): Promise<RunBody['run']> {
  for (let i = 0; i < 200; i++) {
    const run = (await httpsRequest(`${agent.url}/v1/runs/${id}`, { ca })).json() as RunBody['run'];
    if (run.done) return run;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`run ${id} did not finish`);
}

const SPIN = 'for (;;) {}';
const TICKER = 'for (let i = 0; i < 5; i++) { console.log("tick " + i); const t = Date.now(); while (Date.now() - t < 150) {} } "done"';

describe('writ agent over HTTPS', () => {
  const owner = signer('trusted');
  let agent: AgentProcess;
  let ca: Buffer;
  const post = async (body: Uint8Array): Promise<{ status: number; body: RunBody }> => {
    const r = await httpsRequest(`${agent.url}/v1/runs`, { method: 'POST', body: Buffer.from(body), headers: { 'content-type': 'application/octet-stream' }, ca });
    return { status: r.status, body: r.json() as RunBody };
  };

  before(async () => {
    agent = await startAgent(config('main', at('trusted')));
    ca = readFileSync(join(dir.path, 'agent.crt'));
  });
  after(async () => {
    await agent.stop();
  });

  test('a .writ POSTed runs; status, result and the log by byte range', async () => {
    const sealed = await sealTest(owner.privateKey, { script: { name: 'job.js', bytes: enc('console.log("hello from the agent"); 6 * 7') } });
    const { status, body } = await post(sealed.writ);
    assert.equal(status, 202);
    const run = await waitDone(agent, ca, body.run.id);
    assert.equal(run.state, 'succeeded');
    assert.equal(run.exitCode, 0);
    assert.equal(run.report?.result, 42);
    const log = await httpsRequest(`${agent.url}/v1/runs/${run.id}/log?offset=6`, { ca });
    assert.equal(log.body.toString(), 'from the agent\n');
    assert.equal(log.headers['writ-run-done'], 'true');
    assert.equal(log.headers['writ-next-offset'], String(Buffer.byteLength('hello from the agent\n')));
  });

  test('curl -F bundle=@bundle.tar.gz -F sig=@bundle.sig works (the owner openssl flow)', async () => {
    const bundle = await packBundle(new Map([['script.js', enc('"multipart ok"')], ['policy.cedar', enc('permit(principal, action, resource);')]]));
    writeFileSync(at('bundle.tar.gz'), bundle);
    writeFileSync(at('bundle.sig'), signDetached(bundle, owner.privateKey));
    const out = execFileSync('curl', ['-sS', '--cacert', at('agent.crt'), '-F', `bundle=@${at('bundle.tar.gz')}`, '-F', `sig=@${at('bundle.sig')}`, `${agent.url}/v1/runs`], { encoding: 'utf8' });
    const run = await waitDone(agent, ca, (JSON.parse(out) as RunBody).run.id);
    assert.equal(run.report?.result, 'multipart ok');
  });

  test('rejections carry their code: tampered, replayed, untrusted', async () => {
    const sealed = await sealTest(owner.privateKey);
    const tampered = Uint8Array.from(sealed.writ);
    tampered[40] = (tampered[40] ?? 0) ^ 1;
    const bad = await post(tampered);
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error?.code, 'SIGNATURE_INVALID');
    assert.equal(bad.body.run.state, 'rejected');
    assert.equal((await post(sealed.writ)).status, 202);
    await waitDone(agent, ca, (await post(sealed.writ)).body.run.id).then((run) => assert.equal(run.error?.code, 'REPLAYED'));
    const stranger = generateKeyPairSync('ed25519');
    assert.equal((await post((await sealTest(stranger.privateKey)).writ)).body.error?.code, 'UNTRUSTED_SIGNER');
  });

  test('server-sent events stream output live, before the run ends', async () => {
    const sealed = await sealTest(owner.privateKey, { script: { name: 'tick.js', bytes: enc(TICKER) } });
    const { body } = await post(sealed.writ);
    const events: { event: string; data: string; at: number }[] = [];
    await new Promise<void>((resolve, reject) => {
      const req = request(`${agent.url}/v1/runs/${body.run.id}/events`, { ca }, (res) => {
        let buffer = '';
        res.on('data', (chunk: Buffer) => {
          buffer += chunk.toString();
          for (let cut = buffer.indexOf('\n\n'); cut !== -1; cut = buffer.indexOf('\n\n')) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event && data) events.push({ event, data, at: Date.now() });
          }
        });
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
    const outputs = events.filter((e) => e.event === 'output').map((e) => (JSON.parse(e.data) as { text: string }).text).join('');
    assert.equal(outputs, 'tick 0\ntick 1\ntick 2\ntick 3\ntick 4\n');
    const finished = events.at(-1);
    assert.equal(finished?.event, 'finished');
    // Live: the first line reached us well before the run finished (5 ticks of 150 ms).
    assert.ok((finished?.at ?? 0) - (events[0]?.at ?? 0) >= 300, JSON.stringify(events.map((e) => e.at)));
  });

  test('DELETE cancels a running writ; a full agent refuses with QUEUE_FULL (503); metrics count it all', async () => {
    const spin = (await post((await sealTest(owner.privateKey, { script: { name: 'spin.js', bytes: enc(SPIN) } })).writ)).body.run.id;
    const queued = (await post((await sealTest(owner.privateKey)).writ)).body.run.id;
    const refused = await post((await sealTest(owner.privateKey)).writ);
    assert.equal(refused.status, 503);
    assert.equal(refused.body.error?.code, 'QUEUE_FULL');
    const del = await httpsRequest(`${agent.url}/v1/runs/${spin}`, { method: 'DELETE', ca });
    assert.equal(del.status, 202);
    assert.equal((await waitDone(agent, ca, spin)).state, 'cancelled');
    assert.equal((await waitDone(agent, ca, queued)).state, 'succeeded');
    assert.equal((await httpsRequest(`${agent.url}/v1/runs/${spin}`, { method: 'DELETE', ca })).status, 409);
    const metrics = (await httpsRequest(`${agent.url}/metrics`, { ca })).body.toString();
    assert.match(metrics, /writ_runs_finished_total\{state="cancelled"\} 1/);
    assert.match(metrics, /writ_rejections_total\{code="QUEUE_FULL"\} 1/);
  });
});

describe('writ agent: SIGHUP and kill -9', () => {
  test('SIGHUP swaps trust for the next writ without dropping the run in progress', async () => {
    const first = signer('hup-a');
    const second = signer('hup-b');
    const path = config('hup', at('hup-a'));
    const agent = await startAgent(path);
    const ca = readFileSync(join(dir.path, 'agent.crt'));
    try {
      const post = async (body: Uint8Array): Promise<RunBody> => (await httpsRequest(`${agent.url}/v1/runs`, { method: 'POST', body: Buffer.from(body), ca })).json() as RunBody;
      const ticking = await post((await sealTest(first.privateKey, { script: { name: 'tick.js', bytes: enc(TICKER) } })).writ);
      writeFileSync(path, readFileSync(path, 'utf8').replace(at('hup-a'), at('hup-b')));
      agent.child.kill('SIGHUP');
      await agent.waitForLog((l) => l.event === 'config.reloaded');
      assert.equal((await post((await sealTest(first.privateKey)).writ)).error?.code, 'UNTRUSTED_SIGNER');
      const fromSecond = await post((await sealTest(second.privateKey)).writ);
      assert.equal((await waitDone(agent, ca, ticking.run.id)).state, 'succeeded');
      assert.equal((await waitDone(agent, ca, fromSecond.run.id)).state, 'succeeded');
    } finally {
      await agent.stop();
    }
  });

  test('kill -9 mid-run: after restart the run is interrupted and its output up to the kill is kept', async () => {
    const owner = signer('crash');
    const path = config('crash', at('crash'));
    const agent = await startAgent(path);
    const ca = readFileSync(join(dir.path, 'agent.crt'));
    const script = 'for (let i = 0; ; i++) { console.log("line " + i); const t = Date.now(); while (Date.now() - t < 20) {} }';
    const posted = (await httpsRequest(`${agent.url}/v1/runs`, { method: 'POST', body: Buffer.from((await sealTest(owner.privateKey, { script: { name: 'crash.js', bytes: enc(script) } })).writ), ca })).json() as RunBody;
    let seen = '';
    for (let i = 0; i < 100 && !seen.includes('line 10\n'); i++) {
      seen = (await httpsRequest(`${agent.url}/v1/runs/${posted.run.id}/log`, { ca })).body.toString();
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.match(seen, /line 10\n/);
    await agent.stop('SIGKILL');
    const restarted = await startAgent(path);
    try {
      const run = (await httpsRequest(`${restarted.url}/v1/runs/${posted.run.id}`, { ca })).json() as RunBody['run'];
      assert.equal(run.state, 'interrupted');
      const log = (await httpsRequest(`${restarted.url}/v1/runs/${posted.run.id}/log`, { ca })).body.toString();
      // Everything the caller had seen before the kill is still there, byte for byte.
      assert.ok(log.startsWith(seen), `${log.length} bytes kept, ${seen.length} seen before the kill`);
      await restarted.waitForLog((l) => l.event === 'runs.interrupted');
    } finally {
      await restarted.stop();
    }
  });
});

describe('writ agent: https.clientCa requires client certificates', () => {
  test('no certificate, or one from another CA, never completes a request; one from the CA without URI writ:control gets 403; the control one works', async () => {
    const ssl = (args: string[]): void => {
      execFileSync('openssl', args, { cwd: dir.path, stdio: 'ignore' });
    };
    const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    ssl(['req', '-x509', ...ecKey, '-keyout', 'client-ca.key', '-out', 'client-ca.crt', '-days', '1', '-subj', '/CN=control CA', '-addext', 'basicConstraints=critical,CA:true', '-addext', 'keyUsage=critical,keyCertSign']);
    // The control host's mark: a certificate of the same CA without it is refused with 403.
    ssl(['req', '-new', ...ecKey, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=control', '-addext', 'subjectAltName=URI:writ:control']);
    ssl(['x509', '-req', '-in', 'client.csr', '-CA', 'client-ca.crt', '-CAkey', 'client-ca.key', '-CAcreateserial', '-out', 'client.crt', '-days', '1', '-copy_extensions', 'copyall']);
    ssl(['req', '-new', ...ecKey, '-keyout', 'unmarked.key', '-out', 'unmarked.csr', '-subj', '/CN=control', '-addext', 'subjectAltName=URI:writ:controller']);
    ssl(['x509', '-req', '-in', 'unmarked.csr', '-CA', 'client-ca.crt', '-CAkey', 'client-ca.key', '-CAcreateserial', '-out', 'unmarked.crt', '-days', '1', '-copy_extensions', 'copyall']);
    ssl(['req', '-x509', ...ecKey, '-keyout', 'rogue.key', '-out', 'rogue.crt', '-days', '1', '-subj', '/CN=control']);
    signer('mtls');
    const path = config('mtls', at('mtls'));
    writeFileSync(path, readFileSync(path, 'utf8').replace('https:\n', `https:\n  clientCa: ${at('client-ca.crt')}\n`));
    const secured = await startAgent(path);
    const ca = readFileSync(at('agent.crt'));
    const health = (cert?: string): Promise<number> =>
      new Promise((resolve) => {
        const req = request(`${secured.url}/v1/health`, { ca, ...(cert ? { cert: readFileSync(at(`${cert}.crt`)), key: readFileSync(at(`${cert}.key`)) } : {}) }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', () => {
          resolve(-1);
        });
        req.end();
      });
    try {
      assert.equal(await health(), -1);
      assert.equal(await health('rogue'), -1);
      assert.equal(await health('unmarked'), 403);
      assert.equal(await health('client'), 200);
    } finally {
      await secured.stop();
    }
  });
});
