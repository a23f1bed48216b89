/**
 * The agent's side of pairing against a scripted control host over real TLS: what it accepts, and
 * each check that makes it refuse a control host, a later connection or an issued certificate.
 */
import assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { after, before, test } from 'node:test';
import { hasCode } from '../../core/errors.js';
import { tempDir } from '../../../test/support/temp.js';
import { requestPairing, type PairingResult } from './client.js';
import { exportedKeyingMaterial, pairingCode } from './code.js';
import { listen, makeCert, type TestCert } from './test-support.js';

const dir = tempDir('writ-pairing-client-');
const agent = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const NAME = 'web1';
const CONTROL_SAN = 'URI:writ:control,IP:127.0.0.1';
let ca: TestCert;
let control: TestCert;
let issued: TestCert;

before(() => {
  ca = makeCert(dir.path, 'ca', { isCa: true });
  control = makeCert(dir.path, 'control', { issuer: ca, san: CONTROL_SAN });
  issued = makeCert(dir.path, NAME, { issuer: ca, privateKey: agent.privateKey, san: `DNS:${NAME},URI:writ:host:${NAME}` });
});
after(() => {
  dir[Symbol.dispose]();
});

interface Script {
  /** The certificate the control host presents. */
  readonly tls?: TestCert;
  /** What it shows as its CA in the 202 answer. */
  readonly caPem?: string;
  /** Answer to the pairing request (default 202). */
  readonly post?: { status: number; body: unknown };
  /** Answers to the polls, in order; the last repeats. */
  readonly polls?: { status: number; body: unknown }[];
  /** Called after the pairing request was answered (e.g. to change the TLS certificate). */
  readonly afterPost?: (server: Server) => void;
  /** Called after each poll was answered, with its number from 1. */
  readonly afterPoll?: (server: Server, poll: number) => void;
  /** Close the connection after each answer (so every poll opens a new one). */
  readonly closeConnections?: boolean;
}

interface Outcome {
  readonly result?: PairingResult;
  readonly error?: unknown;
  readonly agentCode?: string;
  readonly serverCode?: string;
}

const approved = (certificate: string): { status: number; body: unknown } => ({ status: 200, body: { state: 'approved', certificate } });
const pending = { status: 200, body: { state: 'pending', expiresAt: new Date(Date.now() + 60_000).toISOString() } };

async function pair(script: Script, timeoutMs = 10_000): Promise<Outcome> {
  const tls = script.tls ?? control;
  let serverCode: string | undefined;
  let poll = 0;
  const server = createServer({ cert: tls.certPem, key: tls.keyPem, minVersion: 'TLSv1.3' }, (req, res) => {
    const reply = ({ status, body }: { status: number; body: unknown }): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...(script.closeConnections ? { connection: 'close' } : {}) }).end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    req.resume();
    req.on('end', () => {
      if (req.method === 'POST') {
        serverCode = pairingCode(exportedKeyingMaterial(tlsSocket(req.socket)), new X509Certificate(tls.certPem).publicKey, agent.publicKey);
        reply(script.post ?? { status: 202, body: { id: 'f'.repeat(32), expiresAt: new Date(Date.now() + 60_000).toISOString(), caCertificate: script.caPem ?? ca.certPem } });
        script.afterPost?.(server);
        return;
      }
      const polls = script.polls ?? [approved(issued.certPem)];
      reply(polls[Math.min(poll++, polls.length - 1)]!);
      script.afterPoll?.(server, poll);
    });
  });
  const port = await listen(server);
  let agentCode: string | undefined;
  try {
    const result = await requestPairing({
      control: `127.0.0.1:${port}`,
      body: { name: NAME, csr: '-----BEGIN CERTIFICATE REQUEST-----\n(the fake control host does not read it)\n-----END CERTIFICATE REQUEST-----', address: '127.0.0.1:7443' },
      agentPublicKey: agent.publicKey,
      onCode: (code) => (agentCode = code),
      pollMs: 20,
      timeoutMs,
    });
    return { result, ...(agentCode === undefined ? {} : { agentCode }), ...(serverCode === undefined ? {} : { serverCode }) };
  } catch (error) {
    return { error, ...(agentCode === undefined ? {} : { agentCode }), ...(serverCode === undefined ? {} : { serverCode }) };
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

function assertCode(outcome: Outcome, code: string): void {
  assert.ok(hasCode(outcome.error, code), `expected ${code}, got ${outcome.error instanceof Error ? `${(outcome.error as Error & { code?: string }).code ?? ''} ${outcome.error.message}` : 'success'}`);
}

const T = { timeout: 20_000 };

function tlsSocket(socket: Socket): TLSSocket {
  assert.ok(socket instanceof TLSSocket);
  return socket;
}

test('approved after pending and a 503: returns the checked certificate and the CA; both sides computed the same code', T, async () => {
  const outcome = await pair({ polls: [pending, { status: 503, body: {} }, pending, approved(issued.certPem)] });
  assert.equal(outcome.error, undefined);
  assert.equal(outcome.result?.certificatePem, new X509Certificate(issued.certPem).toString());
  assert.equal(outcome.result?.caPem, new X509Certificate(ca.certPem).toString());
  assert.ok(outcome.agentCode !== undefined && outcome.agentCode === outcome.serverCode);
});

test('refusals: 403 PAIRING_CLOSED, 404 on a poll is PAIRING_DENIED, no decision in time is PAIRING_TIMEOUT', T, async () => {
  assertCode(await pair({ post: { status: 403, body: { error: { code: 'PAIRING_CLOSED', message: 'not in pairing mode' } } } }), 'PAIRING_CLOSED');
  assertCode(await pair({ polls: [pending, { status: 404, body: { error: { code: 'PAIRING_NOT_FOUND', message: '' } } }] }), 'PAIRING_DENIED');
  assertCode(await pair({ polls: [pending] }, 800), 'PAIRING_TIMEOUT');
  // A server's made-up code is not passed on as if it were ours.
  assertCode(await pair({ post: { status: 400, body: { error: { code: 'PAIRING_APPROVED', message: 'trust me' } } } }), 'PAIRING_REFUSED');
});

test('a control host whose certificate is not from the CA it shows is refused (after the code is shown)', T, async () => {
  const outcome = await pair({ tls: makeCert(dir.path, 'relay', { san: CONTROL_SAN }) });
  assertCode(outcome, 'PAIRING_CONTROL_UNTRUSTED');
  assert.ok(outcome.agentCode !== undefined);
});

test("a certificate from the right CA without writ:control (any agent's) is not the control host", T, async () => {
  assertCode(await pair({ tls: makeCert(dir.path, 'other-agent', { issuer: ca, san: 'URI:writ:host:other,IP:127.0.0.1' }) }), 'PAIRING_CONTROL_UNTRUSTED');
});

test('the CA shown must be a self-signed CA certificate', T, async () => {
  // Key usage allows signing, so only the CA flag tells it from a CA (OpenSSL's issuer check ignores that flag).
  const selfSignedLeaf = makeCert(dir.path, 'leaf', { san: CONTROL_SAN, leafCanSign: true });
  assertCode(await pair({ tls: selfSignedLeaf, caPem: selfSignedLeaf.certPem }), 'PAIRING_CONTROL_UNTRUSTED');
  const intermediate = makeCert(dir.path, 'intermediate', { issuer: ca, isCa: true });
  assertCode(await pair({ tls: makeCert(dir.path, 'control-i', { issuer: intermediate, san: CONTROL_SAN }), caPem: intermediate.certPem }), 'PAIRING_CONTROL_UNTRUSTED');
});

test('polls must reach the same control host: another key from the same CA, or another CA, is PAIRING_CONTROL_CHANGED', T, async () => {
  const sameCaNewKey = makeCert(dir.path, 'control-2', { issuer: ca, san: CONTROL_SAN });
  const swapTo = (cert: TestCert) => (server: Server) => {
    server.setSecureContext({ cert: cert.certPem, key: cert.keyPem });
  };
  assertCode(await pair({ afterPost: swapTo(sameCaNewKey) }), 'PAIRING_CONTROL_CHANGED');
  const otherCa = makeCert(dir.path, 'other-ca', { isCa: true });
  assertCode(await pair({ afterPost: swapTo(makeCert(dir.path, 'control-3', { issuer: otherCa, san: CONTROL_SAN })) }), 'PAIRING_CONTROL_CHANGED');
});

test('a new connection never resumes an earlier TLS session, which would skip the key pin', T, async () => {
  const sameCaNewKey = makeCert(dir.path, 'control-4', { issuer: ca, san: CONTROL_SAN });
  const outcome = await pair({
    closeConnections: true,
    polls: [pending, approved(issued.certPem)],
    afterPoll: (server, n) => {
      if (n !== 1) return;
      // Same ticket keys, new certificate: only a full handshake shows the agent the new key.
      const ticketKeys = server.getTicketKeys();
      server.setSecureContext({ cert: sameCaNewKey.certPem, key: sameCaNewKey.keyPem });
      server.setTicketKeys(ticketKeys);
    },
  });
  assertCode(outcome, 'PAIRING_CONTROL_CHANGED');
});

test('the issued certificate must be from the CA shown, for this key, for this name, and not a CA', T, async () => {
  const otherCa = makeCert(dir.path, 'other-ca', { isCa: true });
  const cases: [string, TestCert][] = [
    ['another CA', makeCert(dir.path, 'x1', { issuer: otherCa, privateKey: agent.privateKey, san: `URI:writ:host:${NAME}` })],
    ['another key', makeCert(dir.path, 'x2', { issuer: ca, san: `URI:writ:host:${NAME}` })],
    ['another name', makeCert(dir.path, 'x3', { issuer: ca, privateKey: agent.privateKey, san: 'URI:writ:host:web2' })],
    ['a CA certificate', makeCert(dir.path, 'x4', { issuer: ca, privateKey: agent.privateKey, isCa: true, san: `URI:writ:host:${NAME}` })],
  ];
  for (const [what, cert] of cases) {
    const outcome = await pair({ polls: [approved(cert.certPem)] });
    assert.ok(hasCode(outcome.error, 'PAIRING_CERTIFICATE_INVALID'), what);
  }
  assertCode(await pair({ polls: [approved('not a certificate')] }), 'PAIRING_CERTIFICATE_INVALID');
});

test('a control host that stops at TLS 1.2 is refused with PAIRING_TLS_TOO_OLD', T, async () => {
  const server = createServer({ cert: control.certPem, key: control.keyPem, maxVersion: 'TLSv1.2' });
  const port = await listen(server);
  try {
    await assert.rejects(
      requestPairing({ control: `127.0.0.1:${port}`, body: { name: NAME, csr: 'x', address: '127.0.0.1:1' }, agentPublicKey: agent.publicKey, onCode: () => undefined, timeoutMs: 2000 }),
      (err) => hasCode(err, 'PAIRING_TLS_TOO_OLD'),
    );
  } finally {
    server.close();
  }
});

test('an oversized answer is not buffered: the exchange fails', T, async () => {
  assertCode(await pair({ polls: [{ status: 200, body: 'x'.repeat(512 * 1024) }] }), 'PAIRING_UNREACHABLE');
});

test('a control host that is not listening is PAIRING_UNREACHABLE', T, async () => {
  const server = createServer();
  const port = await listen(server);
  server.close();
  await assert.rejects(
    requestPairing({ control: `127.0.0.1:${port}`, body: { name: NAME, csr: 'x', address: '127.0.0.1:1' }, agentPublicKey: agent.publicKey, onCode: () => undefined, timeoutMs: 2000 }),
    (err) => hasCode(err, 'PAIRING_UNREACHABLE'),
  );
});
