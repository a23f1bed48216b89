/** Real mutual-TLS handshakes on loopback with certificates from the control CA: Node decides. */
import assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect, createServer, type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { buildCertificate } from './certificate-builder.js';
import { randomSerial } from './serial.js';
import { daysAgo, testCa, type TestCa } from './testing.js';
import type { IssueRequest } from './ca.js';

interface Credentials {
  readonly key: string;
  readonly cert: string;
  readonly ca: string;
}

interface Outcome {
  /** `socket.authorized` on the server, when the server accepted the connection at all. */
  serverAuthorized?: boolean;
  /** Why the server did not authorize the client (only seen when it does not reject outright). */
  serverAuthorizationError?: string;
  serverPeer?: string;
  clientAuthorized?: boolean;
  clientError?: string;
  reply: string;
}

const pemOf = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }).toString();

function controlCredentials(t: TestCa): Credentials {
  return { key: readFileSync(join(t.dir, 'control.key'), 'utf8'), cert: readFileSync(join(t.dir, 'control.pem'), 'utf8'), ca: t.ca.caCertPem };
}

function agentCredentials(t: TestCa, overrides: Partial<IssueRequest> = {}, keyType: 'ec' | 'ed25519' = 'ec'): Credentials & { privateKey: KeyObject } {
  const keys = keyType === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' }) : generateKeyPairSync('ed25519');
  const cert = t.ca.issue({ subjectPublicKey: keys.publicKey, commonName: 'agent-1', hostName: 'agent-1', dnsNames: [], ips: [], usage: ['client'], validityDays: 30, ...overrides });
  return { key: pemOf(keys.privateKey), cert, ca: t.ca.caCertPem, privateKey: keys.privateKey };
}

/**
 * One connection: the server requires and verifies a client certificate, the client verifies the
 * server. `diagnose` lets the server accept an unauthorized client only to learn the reason (Node
 * drops a rejected client silently); it never replies 'ok' to one.
 */
async function handshake(server: Credentials, client: Credentials, options: { servername?: string; diagnose?: boolean } = { servername: 'localhost' }): Promise<Outcome> {
  const outcome: Outcome = { reply: '' };
  const { diagnose = false, ...target } = options;
  const tlsServer = createServer({ ...server, requestCert: true, rejectUnauthorized: !diagnose }, (socket: TLSSocket) => {
    outcome.serverAuthorized = socket.authorized;
    if (socket.authorizationError !== undefined) outcome.serverAuthorizationError = String(socket.authorizationError);
    const peerName = socket.getPeerCertificate().subject.CN;
    if (typeof peerName === 'string') outcome.serverPeer = peerName;
    if (socket.authorized) socket.end('ok');
    else socket.destroy();
  });
  await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
  const { port } = tlsServer.address() as AddressInfo;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error('handshake timed out'));
      }, 5000);
      const socket = connect({ host: '127.0.0.1', port, ...target, ...client, rejectUnauthorized: true });
      socket.on('secureConnect', () => {
        outcome.clientAuthorized = socket.authorized;
      });
      socket.on('data', (chunk: Buffer) => {
        outcome.reply += chunk.toString();
      });
      socket.on('error', (err: Error) => {
        outcome.clientError = err.message;
      });
      socket.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  } finally {
    await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
  }
  return outcome;
}

/** The server refuses `client`, and (asked again in diagnose mode) for one of the reasons `codes`. */
async function assertRefused(server: Credentials, client: Credentials, codes: readonly string[]): Promise<void> {
  const strict = await handshake(server, client);
  assert.equal(strict.serverAuthorized, undefined, 'the server accepted the connection');
  assert.equal(strict.reply, '');
  const diagnosed = await handshake(server, client, { servername: 'localhost', diagnose: true });
  assert.equal(diagnosed.serverAuthorized, false);
  assert.ok(codes.includes(diagnosed.serverAuthorizationError ?? ''), `refused for ${diagnosed.serverAuthorizationError}, expected ${codes.join(' or ')}`);
}

for (const keyType of ['ec-p256', 'ed25519'] as const) {
  test(`${keyType}: control and an agent authenticate each other over mutual TLS`, async () => {
    using t = testCa({ keyType });
    const outcome = await handshake(controlCredentials(t), agentCredentials(t, {}, keyType === 'ec-p256' ? 'ec' : 'ed25519'));
    assert.equal(outcome.serverAuthorized, true, outcome.serverAuthorizationError);
    assert.equal(outcome.clientAuthorized, true, outcome.clientError);
    assert.equal(outcome.serverPeer, 'agent-1');
    assert.equal(outcome.reply, 'ok');
  });
}

test('the control certificate is verified by IP address too, and an agent can also serve', async () => {
  using t = testCa();
  const byIp = await handshake(controlCredentials(t), agentCredentials(t), { servername: '' });
  assert.equal(byIp.clientAuthorized, true, byIp.clientError);
  // An agent certificate with server usage serves; control's own certificate is its client certificate.
  const agentServer = agentCredentials(t, { dnsNames: ['localhost'], usage: ['server'] });
  const reverse = await handshake(agentServer, controlCredentials(t));
  assert.equal(reverse.serverAuthorized, true, reverse.serverAuthorizationError);
  assert.equal(reverse.clientAuthorized, true, reverse.clientError);
});

test('a client certificate from a different CA is refused', async () => {
  using t = testCa();
  using stranger = testCa();
  await assertRefused(controlCredentials(t), { ...agentCredentials(stranger), ca: t.ca.caCertPem }, ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE']);
});

test('a client that trusts another CA refuses the control host', async () => {
  using t = testCa();
  using stranger = testCa();
  const outcome = await handshake(controlCredentials(t), { ...agentCredentials(t), ca: stranger.ca.caCertPem });
  assert.match(outcome.clientError ?? '', /unable to get local issuer certificate|self.signed/i);
  assert.equal(outcome.reply, '');
});

test('an expired agent certificate is refused', async () => {
  using t = testCa({ now: daysAgo(30) });
  const expired = agentCredentials(t, { now: daysAgo(20), validityDays: 1 });
  assert.ok(new Date(new X509Certificate(expired.cert).validTo).getTime() < Date.now());
  await assertRefused(controlCredentials(t), expired, ['CERT_HAS_EXPIRED']);
});

test('a certificate signed with a leaf key (a leaf used as a CA) is refused', async () => {
  using t = testCa();
  const leaf = agentCredentials(t);
  const forgedKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const forged = buildCertificate({
    serialHex: randomSerial(),
    commonName: 'agent-2',
    subjectPublicKey: forgedKeys.publicKey,
    signer: { kind: 'issuer', certificate: new X509Certificate(leaf.cert), privateKey: leaf.privateKey },
    profile: { kind: 'leaf', usage: ['client'] },
    now: new Date(),
    notAfter: new Date(Date.now() + 86_400_000),
  });
  const forgedCert = new X509Certificate(forged.der);
  // The signature itself is sound: only the issuer's basicConstraints make it worthless.
  assert.ok(forgedCert.verify(new X509Certificate(leaf.cert).publicKey));
  // OpenSSL 3 reports this as its error 79 ("invalid CA certificate"), which Node 20's code table
  // names UNSPECIFIED; openssl.test.ts checks the reason text with the openssl CLI.
  await assertRefused(controlCredentials(t), { key: pemOf(forgedKeys.privateKey), cert: forged.pem + leaf.cert, ca: t.ca.caCertPem }, ['INVALID_CA', 'UNSPECIFIED']);
});

test('a certificate issued for server use only is refused as a client certificate', async () => {
  using t = testCa();
  await assertRefused(controlCredentials(t), agentCredentials(t, { usage: ['server'] }), ['INVALID_PURPOSE']);
});
