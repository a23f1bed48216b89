/**
 * Pairing end to end with real processes and real TLS on loopback: `writ control serve`,
 * `writ control pairing-mode / approve / deny` and `writ agent request-pairing`.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { CONTROL_IDENTITY_URI, agentIdentityUri } from '../../src/core/uri-sans.js';
import { initCa } from '../../src/control/pki/index.js';
import { CONTROL_URI, hostNameUri } from '../../src/control/pki/names.js';
import { errorCode, httpsJson } from '../../src/control/server/testing.js';
import { makeCert, startRelay } from '../../src/transport/pairing/test-support.js';
import { writ } from '../support/cli.js';
import { tempDir } from '../support/temp.js';
import { startWrit, type WritProcess } from '../support/writ-process.js';

const T = { timeout: 30_000 };
const root = tempDir('writ-control-pairing-');
const caDir = join(root.path, 'ca');
let serve: WritProcess;
let hostPort: string;
let token: string;
let caPem: string;
let web1: { cert: string; key: string } | undefined;

function api(path: string, options: { body?: unknown; token?: string | null; clientCert?: { cert: string; key: string } } = {}): Promise<{ status: number; body: unknown }> {
  return httpsJson(new URL(path, `https://${hostPort}`), caPem, { token: options.token === undefined ? token : options.token, ...options });
}

function requestPairing(name: string, control = hostPort, extra: string[] = []): WritProcess {
  return startWrit(['agent', 'request-pairing', '--control', control, '--name', name, '--address', '127.0.0.1:7443', '--tags', 'prod,eu', '--out', join(root.path, name), '--timeout', '20s', '--json', ...extra]);
}

const codeOf = async (agent: WritProcess): Promise<string> => String((await agent.waitForLine((l) => l.event === 'pairing.code')).code);
const filesIn = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir) : []);

before(async () => {
  const init = writ(['control', 'init', '--dir', caDir]);
  assert.equal(init.code, 0, init.stderr);
  serve = startWrit(['control', 'serve', '--dir', caDir, '--listen', '127.0.0.1:0']);
  const started = await serve.waitForLine((l) => l.event === 'control.started');
  hostPort = new URL(String(started.address)).host;
  token = readFileSync(join(caDir, 'api.token'), 'utf8').trim();
  caPem = readFileSync(join(caDir, 'ca.pem'), 'utf8');
  assert.deepEqual(JSON.parse(readFileSync(join(caDir, 'server.json'), 'utf8')), { url: `https://${hostPort}` });
  assert.equal(statSync(join(caDir, 'api.token')).mode & 0o777, 0o600);
});

after(async () => {
  const code = await serve.stop('SIGTERM');
  assert.equal(code, 0, serve.stderr());
  assert.equal(existsSync(join(caDir, 'server.json')), false, 'a clean stop removes server.json');
  root[Symbol.dispose]();
});

test('the identity URIs the agent checks are the ones the CA writes', () => {
  assert.equal(CONTROL_IDENTITY_URI, CONTROL_URI);
  assert.equal(agentIdentityUri('web1'), hostNameUri('web1'));
});

test('(a) pairing mode off: the agent is refused with PAIRING_CLOSED, exits 4 and leaves no key', T, async () => {
  const agent = requestPairing('closed1');
  assert.equal(await agent.exited, 4);
  assert.match(agent.stderr(), /PAIRING_CLOSED/);
  assert.equal(existsSync(join(root.path, 'closed1')), false, 'the --out directory it made is gone too');
});

test('(b) pairing-mode + approve: same code on both screens, files written, certificate from ca.pem for writ:host:web1, agent registered; (g) a second approve is 404', T, async () => {
  const mode = startWrit(['control', 'pairing-mode', '--dir', caDir, '--minutes', '5']);
  await mode.waitForLine((l) => l.event === 'pairing.mode' && l.enabled === true);
  const agent = requestPairing('web1');
  const code = await codeOf(agent);
  const shown = await mode.waitForLine((l) => l.event === 'pairing.request');
  assert.equal(shown.code, code);
  const listed = (await api('/v1/pairing/requests')).body as { code: string; name: string; tags: string[] }[];
  assert.deepEqual(listed.map((r) => [r.name, r.code, r.tags]), [['web1', code, ['prod', 'eu']]]);

  const approve = writ(['control', 'approve', code.toLowerCase(), '--dir', caDir, '--json']);
  assert.equal(approve.code, 0, approve.stderr);
  assert.equal((JSON.parse(approve.stdout) as { agent: { name: string } }).agent.name, 'web1');
  assert.equal(await agent.exited, 0, agent.stderr());
  const out = join(root.path, 'web1');
  assert.deepEqual(filesIn(out).sort(), ['agent.crt', 'agent.key', 'control-ca.pem']);
  assert.equal(statSync(join(out, 'agent.key')).mode & 0o777, 0o600);
  assert.equal(readFileSync(join(out, 'control-ca.pem'), 'utf8'), new X509Certificate(caPem).toString());
  const cert = new X509Certificate(readFileSync(join(out, 'agent.crt')));
  assert.ok(cert.verify(new X509Certificate(caPem).publicKey));
  assert.match(cert.subjectAltName ?? '', /URI:writ:host:web1/);
  assert.deepEqual(agent.lines.at(-1)?.https, { cert: join(out, 'agent.crt'), key: join(out, 'agent.key'), clientCa: join(out, 'control-ca.pem') });
  const agents = (await api('/v1/agents')).body as { name: string; certFingerprint: string }[];
  assert.deepEqual(agents.map((a) => a.name), ['web1']);
  assert.equal(agents[0]?.certFingerprint, cert.fingerprint256.replaceAll(':', '').toLowerCase());
  web1 = { cert: readFileSync(join(out, 'agent.crt'), 'utf8'), key: readFileSync(join(out, 'agent.key'), 'utf8') };

  const again = writ(['control', 'approve', code, '--dir', caDir]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /PAIRING_NOT_FOUND/);

  assert.equal(await mode.stop('SIGINT'), 0, mode.stderr());
  assert.deepEqual(mode.lines.at(-1), { event: 'pairing.mode', enabled: false, until: null });
  assert.deepEqual((await api('/v1/pairing/mode')).body, { enabled: false, until: null });
});

test('an agent never overwrites the files of an earlier pairing: PAIRING_FILES_EXIST, exit 2, files untouched', T, async () => {
  const out = join(root.path, 'web1');
  const before = filesIn(out).map((name) => readFileSync(join(out, name)));
  const agent = requestPairing('web1');
  assert.equal(await agent.exited, 2);
  assert.match(agent.stderr(), /PAIRING_FILES_EXIST/);
  assert.deepEqual(filesIn(out).map((name) => readFileSync(join(out, name))), before);
});

test('(c) deny: the agent exits 4 with PAIRING_DENIED, its key is gone, nothing is registered', T, async () => {
  assert.equal((await api('/v1/pairing/mode', { body: { enabled: true, minutes: 5 } })).status, 200);
  const agent = requestPairing('web2');
  const code = await codeOf(agent);
  const deny = writ(['control', 'deny', code, '--dir', caDir]);
  assert.equal(deny.code, 0, deny.stderr);
  assert.equal(await agent.exited, 4);
  assert.match(agent.stderr(), /PAIRING_DENIED/);
  assert.deepEqual(filesIn(join(root.path, 'web2')), []);
  assert.deepEqual(((await api('/v1/agents')).body as { name: string }[]).map((a) => a.name), ['web1']);
  assert.deepEqual((await api('/v1/pairing/requests')).body, []);
});

test('(e) through a TLS-terminating relay the agent shows a code the control host does not list, and refuses the relay', T, async () => {
  const relay = await startRelay(makeCert(root.path, 'relay', { san: 'IP:127.0.0.1' }), Number(hostPort.split(':')[1]));
  try {
    const agent = requestPairing('web3', `127.0.0.1:${relay.port}`);
    const seenByAgent = await codeOf(agent);
    assert.equal(await agent.exited, 4);
    assert.match(agent.stderr(), /PAIRING_CONTROL_UNTRUSTED/);
    const listed = (await api('/v1/pairing/requests')).body as { name: string; code: string }[];
    const seenByControl = listed.find((r) => r.name === 'web3')?.code;
    assert.ok(seenByControl !== undefined, 'the relayed request reached the control host');
    assert.notEqual(seenByAgent, seenByControl);
    assert.deepEqual(filesIn(join(root.path, 'web3')), []);
    assert.equal((await api('/v1/pairing/deny', { body: { code: seenByControl } })).status, 200);
  } finally {
    relay.close();
  }
});

test("(f) operator API: no token, a wrong token, or an agent's client certificate is 401", T, async () => {
  assert.ok(web1 !== undefined, 'test (b) paired web1');
  for (const attempt of [{ token: null }, { token: 'x'.repeat(43) }, { token: null, clientCert: web1 }]) {
    const answer = await api('/v1/agents', attempt);
    assert.deepEqual([answer.status, errorCode(answer.body)], [401, 'UNAUTHENTICATED']);
  }
  const controlCert = { cert: readFileSync(join(caDir, 'control.pem'), 'utf8'), key: readFileSync(join(caDir, 'control.key'), 'utf8') };
  assert.equal((await api('/v1/agents', { token: null, clientCert: controlCert })).status, 200);
});

test('(d) expiry (--pairing-ttl 1s): the agent exits 4 and nothing is left once purged', T, async () => {
  const dir = join(root.path, 'ca-short');
  initCa({ dir });
  const short = startWrit(['control', 'serve', '--dir', dir, '--listen', '127.0.0.1:0', '--pairing-ttl', '1s']);
  try {
    const started = await short.waitForLine((l) => l.event === 'control.started');
    const shortHost = new URL(String(started.address)).host;
    const shortApi = (path: string, body?: unknown): Promise<{ status: number; body: unknown }> =>
      httpsJson(new URL(path, `https://${shortHost}`), readFileSync(join(dir, 'ca.pem'), 'utf8'), { token: readFileSync(join(dir, 'api.token'), 'utf8').trim(), body });
    assert.equal((await shortApi('/v1/pairing/mode', { enabled: true })).status, 200);
    const agent = requestPairing('web4', shortHost);
    await codeOf(agent);
    assert.equal(await agent.exited, 4);
    assert.match(agent.stderr(), /PAIRING_DENIED/);
    assert.deepEqual(filesIn(join(root.path, 'web4')), []);
    assert.deepEqual((await shortApi('/v1/pairing/requests')).body, []);
    const db = new Database(join(dir, 'registry.db'), { readonly: true });
    try {
      assert.deepEqual(db.prepare('SELECT count(*) AS n FROM pairing_requests').get(), { n: 0 });
      assert.deepEqual(db.prepare('SELECT count(*) AS n FROM agents').get(), { n: 0 });
    } finally {
      db.close();
    }
  } finally {
    assert.equal(await short.stop('SIGTERM'), 0, short.stderr());
  }
});
