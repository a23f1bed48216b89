/**
 * `refuseRevokedClients` on a plain TLS server with a CA made at test time: a client whose
 * certificate serial is revoked is cut off right after its handshake, before the server's own
 * listener sees the connection or a byte of its request.
 */
import assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect as connectTcp, type AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { refuseRevokedClients, type RevocationCheck, type RevocationRefusal } from '../../src/control/fleet/index.js';
import { testCa } from '../../src/control/pki/testing.js';

interface Credentials {
  readonly cert: string;
  readonly key: string;
}

const ca = testCa();
after(() => {
  ca[Symbol.dispose]();
});
const server = { cert: readFileSync(ca.init.paths.controlCert, 'utf8'), key: readFileSync(ca.init.paths.controlKey, 'utf8') };

function agentCredentials(name: string): Credentials & { serial: string } {
  const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const cert = ca.ca.issue({ subjectPublicKey: keys.publicKey, commonName: name, hostName: name, dnsNames: [], ips: [], usage: ['server', 'client'], validityDays: 30 });
  // The registry's spelling, written out here rather than borrowed from the code under test.
  const serial = new X509Certificate(cert).serialNumber.toLowerCase().replace(/^0+/, '');
  return { cert, key: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), serial };
}
const good = agentCredentials('agent-1');
const revoked = agentCredentials('agent-2');

interface Seen {
  /** Sockets the server's own listener was handed. */
  served: number;
  /** Bytes of requests the server's own listener read. */
  read: string;
  refusals: RevocationRefusal[];
}

async function withGuardedServer(isRevoked: RevocationCheck, body: (port: number, seen: Seen) => Promise<void>, rejectUnauthorized = true): Promise<void> {
  const seen: Seen = { served: 0, read: '', refusals: [] };
  const tlsServer = createServer({ ...server, ca: ca.ca.caCertPem, requestCert: true, rejectUnauthorized }, (socket: TLSSocket) => {
    seen.served++;
    socket.on('data', (chunk: Buffer) => (seen.read += chunk.toString()));
    socket.end('hello');
  });
  refuseRevokedClients(tlsServer, isRevoked, (refusal) => seen.refusals.push(refusal));
  await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
  try {
    await body((tlsServer.address() as AddressInfo).port, seen);
  } finally {
    await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
  }
}

/** Connects with `creds` (or none), sends a request at once after the handshake, returns what came back. */
const exchange = (port: number, creds?: Credentials): Promise<string> =>
  new Promise((resolve) => {
    let reply = '';
    const socket = connect({ host: '127.0.0.1', port, ca: ca.ca.caCertPem, ...creds, checkServerIdentity: () => undefined });
    socket.on('secureConnect', () => socket.write('GET /v1/runs HTTP/1.1\r\n\r\n'));
    socket.on('data', (chunk: Buffer) => (reply += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(reply));
  });

test('a revoked client is disconnected right after the handshake, unread; a good one gets through', async () => {
  // Slow on purpose: the server's own listener must still not see the revoked client's request.
  const slowCheck: RevocationCheck = (serial) => new Promise((resolve) => setTimeout(() => resolve(serial === revoked.serial), 50));
  await withGuardedServer(slowCheck, async (port, seen) => {
    assert.equal(await exchange(port, revoked), '');
    assert.deepEqual({ served: seen.served, read: seen.read }, { served: 0, read: '' });
    assert.deepEqual(seen.refusals, [{ serial: revoked.serial, reason: 'revoked' }]);
    assert.equal(await exchange(port, good), 'hello');
    assert.equal(seen.served, 1);
  });
});

test('when revocation cannot be checked, or the check answers nothing, the client is refused too', async () => {
  await withGuardedServer(() => Promise.reject(new Error('registry down')), async (port, seen) => {
    assert.equal(await exchange(port, good), '');
    assert.equal(seen.served, 0);
    assert.match(seen.refusals[0]?.reason ?? '', /revocation unknown: registry down/);
  });
  // Only an explicit false admits: a check that answers nothing has not said "not revoked".
  await withGuardedServer((() => undefined) as unknown as RevocationCheck, async (port, seen) => {
    assert.equal(await exchange(port, good), '');
    assert.equal(seen.served, 0);
  });
});

test('a client without a certificate is left to the server (pairing serves such hosts)', async () => {
  await withGuardedServer(() => true, async (port, seen) => {
    assert.equal(await exchange(port), 'hello');
    assert.deepEqual({ served: seen.served, refusals: seen.refusals.length }, { served: 1, refusals: 0 });
  }, false);
});

test('a client that resets while its serial is being checked is not handed to the server, and the server lives on', async () => {
  let checking = (): void => undefined;
  const checkStarted = new Promise<void>((resolve) => (checking = resolve));
  const slowCheck: RevocationCheck = () => {
    checking();
    return new Promise((resolve) => setTimeout(() => resolve(false), 100));
  };
  await withGuardedServer(slowCheck, async (port, seen) => {
    const tcp = connectTcp(port, '127.0.0.1');
    const socket = connect({ socket: tcp, ca: ca.ca.caCertPem, ...good, checkServerIdentity: () => undefined });
    socket.on('error', () => undefined);
    await checkStarted;
    tcp.resetAndDestroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(seen.served, 0);
    assert.equal(await exchange(port, good), 'hello');
  });
});
