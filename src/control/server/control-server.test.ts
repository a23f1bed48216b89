/** The control server in process over real TLS: pairing routes, the operator API's authentication, decisions. */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { connect } from 'node:tls';
import Database from 'better-sqlite3';
import { hasCode } from '../../core/errors.js';
import { tempDir } from '../../../test/support/temp.js';
import { requestPairing, type PairingResult } from '../../transport/pairing/index.js';
import { createCsr, generatePkiKeyPair, initCa, loadCa } from '../pki/index.js';
import { errorCode, startTestControl, type TestControl } from './testing.js';

const T = { timeout: 30_000 };
const REQUESTS = '/v1/pairing/requests';

function csrFor(name: string): { csr: string; keys: ReturnType<typeof generatePkiKeyPair> } {
  const keys = generatePkiKeyPair('ec-p256');
  return { csr: createCsr({ ...keys, commonName: name }), keys };
}

/** Starts the real agent client against `control`; resolves once its code is known. */
async function startPairing(control: TestControl, name: string): Promise<{ code: string; outcome: Promise<PairingResult> }> {
  const { csr, keys } = csrFor(name);
  let shown: (code: string) => void = () => undefined;
  const code = new Promise<string>((resolve) => (shown = resolve));
  const outcome = requestPairing({ control: control.hostPort, body: { name, csr, address: '127.0.0.1:7443', tags: ['prod'] }, agentPublicKey: keys.publicKey, onCode: (c) => shown(c), pollMs: 50, timeoutMs: 20_000 });
  // Keep a failure from surfacing as unhandled before the test awaits it.
  outcome.catch(() => undefined);
  return { code: await Promise.race([code, outcome.then(() => 'none')]), outcome };
}

async function openPairing(control: TestControl): Promise<void> {
  assert.equal((await control.call('POST', '/v1/pairing/mode', { body: { enabled: true, minutes: 5 } })).status, 200);
}

test('pairing requests: refused while pairing mode is off; malformed bodies, bad CSRs and a CSR for another name store nothing', T, async () => {
  await using control = await startTestControl();
  const { csr } = csrFor('web1');
  const request = { name: 'web1', csr, address: '127.0.0.1:7443' };
  const closed = await control.call('POST', REQUESTS, { body: request, token: null });
  assert.deepEqual([closed.status, errorCode(closed.body)], [403, 'PAIRING_CLOSED']);
  await openPairing(control);
  const cases: [unknown, number, string][] = [
    [{ ...request, extra: 1 }, 400, 'REQUEST_INVALID'],
    [{ ...request, address: 'http://evil/' }, 400, 'REQUEST_INVALID'],
    // Stored with the request now, so checked by the registry's rules for an agent's address at once.
    [{ ...request, address: 'user@evil:7443' }, 400, 'RECORD_INVALID'],
    [{ ...request, csr: '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----' }, 400, 'CSR_INVALID'],
    [{ ...request, name: 'web2' }, 400, 'PAIRING_NAME_MISMATCH'],
  ];
  for (const [body, status, code] of cases) {
    const answer = await control.call('POST', REQUESTS, { body, token: null });
    assert.deepEqual([answer.status, errorCode(answer.body)], [status, code], JSON.stringify(body).slice(0, 80));
  }
  assert.deepEqual((await control.call('GET', REQUESTS)).body, []);
  const unknown = await control.call('GET', `${REQUESTS}/${'a'.repeat(32)}`, { token: null });
  assert.deepEqual([unknown.status, errorCode(unknown.body)], [404, 'PAIRING_NOT_FOUND']);
});

test('the server speaks nothing older than TLS 1.3', T, async () => {
  await using control = await startTestControl();
  const [host, port] = control.hostPort.split(':');
  const outcome = await new Promise<string>((resolve) => {
    const socket = connect({ host, port: Number(port), maxVersion: 'TLSv1.2', ca: control.caPem });
    socket.on('secureConnect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
  assert.match(outcome, /PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL/);
});

test('operator API: a token or the control certificate; no token, a wrong token, an agent certificate or a foreign CA is 401', T, async () => {
  await using control = await startTestControl();
  const ca = loadCa(control.dir);
  const agentKeys = generatePkiKeyPair('ec-p256');
  const agentCert = ca.issue({ subjectPublicKey: agentKeys.publicKey, commonName: 'web1', hostName: 'web1', dnsNames: [], ips: [], usage: ['server', 'client'], validityDays: 1 });
  const agentCredentials = { cert: agentCert, key: agentKeys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
  const controlCredentials = { cert: readFileSync(join(control.dir, 'control.pem'), 'utf8'), key: readFileSync(join(control.dir, 'control.key'), 'utf8') };
  using foreign = tempDir('writ-foreign-ca-');
  initCa({ dir: join(foreign.path, 'ca') });
  const foreignCredentials = { cert: readFileSync(join(foreign.path, 'ca/control.pem'), 'utf8'), key: readFileSync(join(foreign.path, 'ca/control.key'), 'utf8') };

  for (const path of ['/v1/agents', '/v1/health', REQUESTS, '/v1/pairing/mode']) {
    const refused = [
      await control.call('GET', path, { token: null }),
      // One character off (never the same character: a token ending in A must still come out wrong).
      await control.call('GET', path, { token: `${control.token.slice(0, -1)}${control.token.endsWith('A') ? 'B' : 'A'}` }),
      await control.call('GET', path, { token: 'short' }),
      await control.call('GET', path, { token: null, clientCert: agentCredentials }),
      await control.call('GET', path, { token: null, clientCert: foreignCredentials }),
      // A wrong token is refused even on a connection with the control certificate.
      await control.call('GET', path, { token: 'wrong', clientCert: controlCredentials }),
    ];
    assert.deepEqual(refused.map((a) => `${a.status} ${errorCode(a.body) ?? ''}`), Array<string>(refused.length).fill('401 UNAUTHENTICATED'), path);
    assert.equal((await control.call('GET', path)).status, 200, path);
    assert.equal((await control.call('GET', path, { token: null, clientCert: controlCredentials })).status, 200, path);
  }
  const badMinutes = await control.call('POST', '/v1/pairing/mode', { body: { enabled: true, minutes: 0 } });
  assert.deepEqual([badMinutes.status, errorCode(badMinutes.body)], [400, 'REQUEST_INVALID']);
});

test('approve: the agent gets a certificate for its key and name from the CA it pins; the code matches; a second approve is 404', T, async () => {
  await using control = await startTestControl();
  await openPairing(control);
  const { code, outcome } = await startPairing(control, 'web1');
  const listed = (await control.call('GET', REQUESTS)).body as { code: string; name: string; tags: string[]; replacesAgent: boolean }[];
  assert.equal(listed.length, 1);
  assert.deepEqual([listed[0]?.code, listed[0]?.name, listed[0]?.tags, listed[0]?.replacesAgent], [code, 'web1', ['prod'], false]);
  const approved = await control.call('POST', '/v1/pairing/approve', { body: { code: code.toLowerCase().replace('-', ' ') } });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  const result = await outcome;
  const cert = new X509Certificate(result.certificatePem);
  assert.ok(cert.verify(new X509Certificate(control.caPem).publicKey));
  assert.match(cert.subjectAltName ?? '', /URI:writ:host:web1/);
  assert.equal(result.caPem, new X509Certificate(control.caPem).toString());
  assert.equal((await control.registry.getAgent('web1'))?.address, '127.0.0.1:7443');
  const again = await control.call('POST', '/v1/pairing/approve', { body: { code } });
  assert.deepEqual([again.status, errorCode(again.body)], [404, 'PAIRING_NOT_FOUND']);
  const events = control.logs.map((l) => `${String(l.event)} ${typeof l.code === 'string' ? l.code : ''}`);
  assert.ok(events.includes(`pairing.requested ${code}`) && events.includes(`pairing.approved ${code}`), events.join('\n'));
});

test('deny and expiry leave nothing: the agent hears 404 (PAIRING_DENIED) and the registry keeps no row', T, async () => {
  await using control = await startTestControl({ pairingTtlMs: 1000 });
  await openPairing(control);
  const denied = await startPairing(control, 'web1');
  const answer = await control.call('POST', '/v1/pairing/deny', { body: { code: denied.code } });
  assert.deepEqual(answer.body, { denied: { name: 'web1', code: denied.code } });
  await assert.rejects(denied.outcome, (err) => hasCode(err, 'PAIRING_DENIED'));
  assert.equal(await control.registry.findPairingByCode(denied.code, new Date()), null);

  const expiring = await startPairing(control, 'web2');
  await assert.rejects(expiring.outcome, (err) => hasCode(err, 'PAIRING_DENIED'));
  await sleep(50);
  const late = await control.call('POST', '/v1/pairing/approve', { body: { code: expiring.code } });
  assert.deepEqual([late.status, errorCode(late.body)], [404, 'PAIRING_NOT_FOUND']);
  assert.deepEqual((await control.call('GET', REQUESTS)).body, []);
  assert.equal(await control.registry.purgeExpiredPairings(new Date()), 0, 'listing already purged the expired request');
  assert.deepEqual(await control.registry.listAgents(), []);
});

/** The one pending request `control` lists, as the operator sees it. */
async function onlyListed(control: TestControl): Promise<{ name: string; code: string; tags: string[]; address: string; keyFingerprint: string }> {
  const listed = (await control.call('GET', REQUESTS)).body as { name: string; code: string; tags: string[]; address: string; keyFingerprint: string }[];
  assert.equal(listed.length, 1, JSON.stringify(listed));
  return listed[0] as (typeof listed)[number];
}

/** The agent's outcome: a certificate from the shared CA for `name`. */
async function assertPaired(control: TestControl, outcome: Promise<PairingResult>, name: string): Promise<void> {
  const cert = new X509Certificate((await outcome).certificatePem);
  assert.ok(cert.verify(new X509Certificate(control.caPem).publicKey));
  assert.match(cert.subjectAltName ?? '', new RegExp(`URI:writ:host:${name}`));
  assert.match(cert.subjectAltName ?? '', /IP Address:127\.0\.0\.1/, 'the address stored with the request gave the IP SAN');
  const agent = await control.registry.getAgent(name);
  assert.deepEqual([agent?.tags, agent?.address, agent?.certFingerprint], [['prod'], '127.0.0.1:7443', cert.fingerprint256.replaceAll(':', '').toLowerCase()]);
}

test('a request made before a restart is listed and approved after it; the agent, still polling, gets its certificate', T, async () => {
  await using before = await startTestControl();
  await openPairing(before);
  const { code, outcome } = await startPairing(before, 'web1');
  const shown = await onlyListed(before);
  await before.stop();
  // Same CA directory, registry file and port: nothing of the first process is left but what it stored.
  await using after = await startTestControl({ caDir: before.dir, port: Number(before.hostPort.split(':')[1]) });
  assert.deepEqual(await onlyListed(after), shown);
  assert.deepEqual([shown.code, shown.name, shown.tags, shown.address], [code, 'web1', ['prod'], '127.0.0.1:7443']);
  const approved = await after.call('POST', '/v1/pairing/approve', { body: { code } });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  await assertPaired(after, outcome, 'web1');
  assert.deepEqual((await after.call('GET', REQUESTS)).body, []);
});

test('two control hosts on one registry: one accepts the request, the other (not even in pairing mode) lists and approves it', T, async () => {
  await using accepting = await startTestControl();
  await using approving = await startTestControl({ caDir: accepting.dir });
  await openPairing(accepting);
  const { code, outcome } = await startPairing(accepting, 'web1');
  assert.deepEqual(await onlyListed(approving), await onlyListed(accepting));
  const approved = await approving.call('POST', '/v1/pairing/approve', { body: { code } });
  assert.equal(approved.status, 200, JSON.stringify(approved.body));
  await assertPaired(accepting, outcome, 'web1');
  assert.deepEqual((await accepting.call('GET', REQUESTS)).body, [], 'decided for both');
  const again = await accepting.call('POST', '/v1/pairing/approve', { body: { code } });
  assert.deepEqual([again.status, errorCode(again.body)], [404, 'PAIRING_NOT_FOUND']);
  assert.ok(accepting.logs.some((l) => l.event === 'pairing.requested' && l.code === code));
  assert.ok(approving.logs.some((l) => l.event === 'pairing.approved' && l.code === code));
});

test('a request stored by an older writ (no address) is listed and can be denied, but not approved: no certificate is issued', T, async () => {
  await using control = await startTestControl();
  const now = new Date();
  // What a schema-1 registry's request reads as after the upgrade: the columns' defaults.
  const db = new Database(join(control.dir, 'registry.db'));
  db.prepare("INSERT INTO pairing_requests (id, agent_name, csr_pem, code, requested_at, expires_at, state) VALUES (?, 'old1', ?, '7K3Q-M9XD', ?, ?, 'pending')")
    .run('c'.repeat(32), csrFor('old1').csr, now.toISOString(), new Date(now.getTime() + 60_000).toISOString());
  db.close();
  const listed = await onlyListed(control);
  assert.deepEqual([listed.name, listed.address, listed.tags], ['old1', '', []]);
  const ledger = (): string => readFileSync(join(control.dir, 'serials'), 'utf8');
  const issuedBefore = ledger();
  const approve = await control.call('POST', '/v1/pairing/approve', { body: { code: '7k3q m9xd' } });
  assert.deepEqual([approve.status, errorCode(approve.body)], [409, 'PAIRING_INCOMPLETE']);
  assert.equal(ledger(), issuedBefore, 'the CA issued nothing');
  assert.equal(await control.registry.getAgent('old1'), null);
  assert.equal((await control.registry.getPairingRequest('c'.repeat(32)))?.state, 'pending');
  assert.deepEqual((await control.call('POST', '/v1/pairing/deny', { body: { code: '7K3QM9XD' } })).body, { denied: { name: 'old1', code: '7K3Q-M9XD' } });
  assert.equal(await control.registry.getPairingRequest('c'.repeat(32)), null);
  const junk = await control.call('POST', '/v1/pairing/approve', { body: { code: 'UUUU-UUUU' } });
  assert.deepEqual([junk.status, errorCode(junk.body)], [400, 'PAIRING_CODE_INVALID']);
});
