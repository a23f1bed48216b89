/**
 * Certificate lifecycle over real mutual TLS on loopback, with a CA made at test time: agent
 * renewal (sweep and forced), rotation of the control host's own certificate, and revocation
 * through `writ control revoke`. The agents are real HTTPS transports in this process; the control
 * host is a real ControlServer; the CLI is a real child process.
 */
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connect } from 'node:tls';
import { AgentClient } from '../../src/control/fleet/index.js';
import { daysAgo } from '../../src/control/pki/testing.js';
import { initCa, issueAgentCertificate, loadCa } from '../../src/control/pki/index.js';
import { writeServerFile } from '../../src/control/server/server-file.js';
import { errorCode, startTestControl, type TestControl } from '../../src/control/server/testing.js';
import { HttpsTransport } from '../../src/transport/https/index.js';
import { approval, pairingRequest } from '../contract/registry-fixtures.js';
import { ScriptedRunService } from '../support/scripted-run-service.js';
import { tempDir } from '../support/temp.js';
import { startWrit } from '../support/writ-process.js';

interface TestAgent {
  readonly name: string;
  readonly address: string;
  readonly certPath: string;
  readonly keyPath: string;
  readonly transport: HttpsTransport;
}

const root = tempDir('writ-renewal-');
const caDir = join(root.path, 'ca');
let control: TestControl;
const agents = new Map<string, TestAgent>();

const serialOf = (pem: string | Buffer): string => new X509Certificate(pem).serialNumber.toLowerCase().replace(/^0+/, '');
const controlIdentity = (): { certPem: string; keyPem: string } => ({ certPem: readFileSync(join(caDir, 'control.pem'), 'utf8'), keyPem: readFileSync(join(caDir, 'control.key'), 'utf8') });

/** The serial of the certificate a new TLS connection to `port` is shown (client certificate: the control host's). */
function servedSerial(port: number): Promise<string> {
  const { certPem, keyPem } = controlIdentity();
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: readFileSync(join(caDir, 'ca.pem')), cert: certPem, key: keyPem, checkServerIdentity: () => undefined }, () => {
      const peer = socket.getPeerX509Certificate();
      socket.destroy();
      if (peer === undefined) reject(new Error('no peer certificate'));
      else resolve(serialOf(peer.raw));
    });
    socket.on('error', reject);
  });
}

/** A fresh verified client, as the control host makes them: identity bound to the name, revocation checked. */
const clientFor = (agent: TestAgent): AgentClient =>
  new AgentClient({ name: agent.name, address: agent.address, caPem: readFileSync(join(caDir, 'ca.pem'), 'utf8'), ...controlIdentity(), isRevoked: (serial) => control.registry.isSerialRevoked(serial) });

async function startAgent(name: string): Promise<TestAgent> {
  const ca = loadCa(caDir);
  const dir = join(root.path, name);
  mkdirSync(dir);
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  // Issued 50 days ago for 90: 40 days left, past half its lifetime, so due for renewal.
  const issued = issueAgentCertificate(ca, { publicKey: keys.publicKey, name, address: '127.0.0.1:1' }, 90, daysAgo(50));
  const certPath = join(dir, 'agent.crt');
  const keyPath = join(dir, 'agent.key');
  writeFileSync(certPath, issued.certPem);
  writeFileSync(keyPath, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const transport = new HttpsTransport({ host: '127.0.0.1', port: 0, certPath, keyPath, clientCaPath: join(caDir, 'ca.pem'), requiredClientUri: 'writ:control', maxBodyBytes: 1024 * 1024 });
  await transport.start(new ScriptedRunService('https'));
  const address = `127.0.0.1:${transport.port}`;
  const now = new Date();
  const request = await control.registry.addPairingRequest(pairingRequest(name, { address, tags: [], requestedAt: now, expiresAt: new Date(now.getTime() + 600_000) }));
  await control.registry.approvePairing(request.id, approval({ certPem: issued.certPem, certificate: { serial: issued.serial, fingerprint: issued.fingerprint, issuedAt: issued.issuedAt, notAfter: issued.notAfter }, pairedAt: now }));
  const agent = { name, address, certPath, keyPath, transport };
  agents.set(name, agent);
  return agent;
}

const agent = (name: string): TestAgent => {
  const found = agents.get(name);
  assert.ok(found, name);
  return found;
};

before(async () => {
  // The CA is "60 days old" so it can issue agent certificates that are already half spent.
  initCa({ dir: caDir, now: daysAgo(60) });
  control = await startTestControl({ caDir });
  writeServerFile(caDir, `https://${control.hostPort}`);
  await startAgent('web1');
  await startAgent('web2');
});

after(async () => {
  for (const a of agents.values()) await a.transport.stop();
  await control.stop();
  root[Symbol.dispose]();
});

test('a sweep renews every agent past half its lifetime over mTLS; the agents serve the new certificate at once, and the next sweep renews none', async () => {
  const before1 = await servedSerial(agent('web1').transport.port);
  const swept = await control.call('POST', '/v1/renewals/sweep', { body: {} });
  assert.equal(swept.status, 200, JSON.stringify(swept.body));
  const report = swept.body as { checked: number; renewed: { name: string; serial: string; previousSerial: string; notAfter: string }[]; failed: unknown[] };
  assert.equal(report.checked, 2);
  assert.deepEqual(report.failed, []);
  assert.deepEqual(report.renewed.map((r) => r.name).sort(), ['web1', 'web2']);
  for (const renewed of report.renewed) {
    const a = agent(renewed.name);
    assert.notEqual(renewed.serial, renewed.previousSerial);
    // What a new handshake shows, what is on disk and what the registry holds are the same certificate.
    assert.equal(await servedSerial(a.transport.port), renewed.serial);
    assert.equal(serialOf(readFileSync(a.certPath)), renewed.serial);
    assert.equal((await control.registry.getAgent(a.name))?.certSerial, renewed.serial);
    assert.ok(Date.parse(renewed.notAfter) > Date.now() + 80 * 86_400_000, 'a full new lifetime');
    // The key never left the agent; the one on disk belongs to the new certificate.
    assert.ok(new X509Certificate(readFileSync(a.certPath)).checkPrivateKey(createKey(a.keyPath)));
    assert.equal((await clientFor(a).health()).latencyMs >= 0, true);
  }
  assert.notEqual(await servedSerial(agent('web1').transport.port), before1);
  const again = (await control.call('POST', '/v1/renewals/sweep', { body: {} })).body as { checked: number; renewed: unknown[] };
  assert.deepEqual({ checked: again.checked, renewed: again.renewed }, { checked: 2, renewed: [] });
});

test('an agent renewed twice within one second takes both certificates (X.509 times have whole seconds)', async () => {
  for (let i = 0; i < 2; i++) {
    const renewed = await control.call('POST', '/v1/agents/web2/renew', { body: {} });
    assert.equal(renewed.status, 200, JSON.stringify(renewed.body));
    assert.equal(await servedSerial(agent('web2').transport.port), (renewed.body as { renewed: { serial: string } }).renewed.serial);
  }
});

test("rotating the control host's certificate breaks neither agents nor operators", async () => {
  const previous = serialOf(readFileSync(join(caDir, 'control.pem')));
  const rotated = await control.call('POST', '/v1/control/certificate/rotate', { body: {} });
  assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
  const { serial, previousSerial } = (rotated.body as { rotated: { serial: string; previousSerial: string } }).rotated;
  assert.equal(previousSerial, previous);
  assert.equal(serialOf(readFileSync(join(caDir, 'control.pem'))), serial);
  // New connections to the control host see the new certificate; operators (token, CA-pinned) carry on.
  const [host, port] = control.hostPort.split(':');
  const shown = await new Promise<string>((resolve, reject) => {
    const socket = connect({ host, port: Number(port), ca: control.caPem, checkServerIdentity: () => undefined }, () => {
      const peer = socket.getPeerX509Certificate();
      socket.destroy();
      resolve(peer ? serialOf(peer.raw) : '');
    });
    socket.on('error', reject);
  });
  assert.equal(shown, serial);
  assert.equal((await control.call('GET', '/v1/health')).status, 200);
  // The control host reaches agents with its new certificate: a forced renewal goes all the way through.
  const renewed = await control.call('POST', '/v1/agents/web1/renew', { body: {} });
  assert.equal(renewed.status, 200, JSON.stringify(renewed.body));
  assert.equal(await servedSerial(agent('web1').transport.port), (renewed.body as { renewed: { serial: string } }).renewed.serial);
});

test("an agent's renewal routes answer only the control host: another agent's certificate is refused", async () => {
  const web2 = agent('web2');
  const client = new AgentClient({
    name: 'web1',
    address: agent('web1').address,
    caPem: control.caPem,
    certPem: readFileSync(web2.certPath, 'utf8'),
    keyPem: readFileSync(web2.keyPath, 'utf8'),
    isRevoked: () => false,
  });
  await assert.rejects(client.offerRenewal(Buffer.alloc(32)), (err: { code?: string; agentCode?: string }) => err.code === 'AGENT_HTTP_ERROR' && err.agentCode === 'CLIENT_NOT_CONTROL');
  client.close();
});

test('writ control revoke: the agent is refused from the next handshake on, and is never renewed again', async () => {
  const web2 = agent('web2');
  assert.ok((await clientFor(web2).health()).latencyMs >= 0);
  const cli = startWrit(['control', 'revoke', 'web2', '--dir', caDir, '--json']);
  assert.equal(await cli.exited, 0, cli.stderr());
  const revoked = (cli.lines[0] as { revoked: { name: string; serials: string[] } }).revoked;
  assert.equal(revoked.name, 'web2');
  assert.ok(revoked.serials.includes(serialOf(readFileSync(web2.certPath))), 'the serial the agent serves now is among those revoked');
  await assert.rejects(clientFor(web2).health(), (err: { code?: string }) => err.code === 'AGENT_REVOKED');
  const forced = await control.call('POST', '/v1/agents/web2/renew', { body: {} });
  assert.equal(forced.status, 409);
  assert.ok(['TARGET_REVOKED', 'AGENT_REVOKED'].includes(errorCode(forced.body) ?? ''), JSON.stringify(forced.body));
  const sweep = (await control.call('POST', '/v1/renewals/sweep', { body: {} })).body as { checked: number };
  assert.equal(sweep.checked, 1);
  const unknown = startWrit(['control', 'revoke', 'no-such-agent', '--dir', caDir, '--json']);
  assert.notEqual(await unknown.exited, 0);
  assert.match(unknown.stderr(), /AGENT_NOT_FOUND/);
});

test('the operator routes that change certificates need an operator', async () => {
  for (const path of ['/v1/agents/web1/revoke', '/v1/agents/web1/renew', '/v1/renewals/sweep', '/v1/control/certificate/rotate']) {
    const answer = await control.call('POST', path, { body: {}, token: null });
    assert.equal(answer.status, 401, path);
    assert.equal(errorCode(answer.body), 'UNAUTHENTICATED');
  }
  assert.equal((await control.registry.getAgent('web1'))?.state, 'active');
});

function createKey(path: string): KeyObject {
  return createPrivateKey(readFileSync(path, 'utf8'));
}
