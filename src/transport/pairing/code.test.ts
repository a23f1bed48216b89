/** The pairing code over real TLS connections on loopback: equal on both ends, different across a relay. */
import assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { after, before, test } from 'node:test';
import { connect, createServer, type Server, type TLSSocket } from 'node:tls';
import { hasCode } from '../../core/errors.js';
import { tempDir } from '../../../test/support/temp.js';
import { PAIRING_CODE_PATTERN, exportedKeyingMaterial, normalizePairingCode, pairingCode, peerCertificateKey } from './code.js';
import { listen, makeCert, startRelay, type TestCert } from './test-support.js';

const dir = tempDir('writ-pairing-code-');
const agentKey: KeyObject = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey;
let control: TestCert;
let relayCert: TestCert;

before(() => {
  control = makeCert(dir.path, 'control', { san: 'URI:writ:control,IP:127.0.0.1' });
  relayCert = makeCert(dir.path, 'relay', { san: 'IP:127.0.0.1' });
});
after(() => {
  dir[Symbol.dispose]();
});

/** A TLS server that computes the control host's code for each connection and reports it. */
async function codeServer(options: { maxVersion?: 'TLSv1.2' } = {}): Promise<{ port: number; codes: Promise<string>[]; server: Server }> {
  const controlKey = new X509Certificate(control.certPem).publicKey;
  const codes: Promise<string>[] = [];
  let deliver: ((code: string) => void) | undefined;
  let fail: ((err: unknown) => void) | undefined;
  const next = (): void => {
    codes.push(
      new Promise<string>((resolve, reject) => {
        deliver = resolve;
        fail = reject;
      }),
    );
  };
  next();
  const server = createServer({ cert: control.certPem, key: control.keyPem, ...options }, (socket: TLSSocket) => {
    const [resolve, reject] = [deliver, fail];
    next();
    try {
      resolve?.(pairingCode(exportedKeyingMaterial(socket), controlKey, agentKey));
    } catch (err) {
      reject?.(err);
    }
    socket.end();
  });
  return { port: await listen(server), codes, server };
}

/** The agent's view: the code from its end of a fresh connection to `port` (once the server has seen it too). */
function agentCode(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    let code: string | undefined;
    let failure: unknown;
    socket.on('secureConnect', () => {
      try {
        code = pairingCode(exportedKeyingMaterial(socket), peerCertificateKey(socket), agentKey);
      } catch (err) {
        failure = err;
      }
      // The server ends the connection once it has computed its side; destroying now could beat it.
      socket.resume();
    });
    socket.on('error', reject);
    socket.on('close', () => {
      if (code !== undefined) resolve(code);
      else reject(failure instanceof Error ? failure : new Error('no TLS connection'));
    });
  });
}

const TIMEOUT = { timeout: 15_000 };

test('both ends of one TLS 1.3 connection compute the same code; a second connection gives another', TIMEOUT, async () => {
  const { port, codes, server } = await codeServer();
  try {
    const first = await agentCode(port);
    assert.equal(first, await codes[0]);
    assert.match(first, PAIRING_CODE_PATTERN);
    const second = await agentCode(port);
    assert.equal(second, await codes[1]);
    assert.notEqual(second, first);
  } finally {
    server.close();
  }
});

test('through a TLS-terminating relay the agent and the control host compute different codes', TIMEOUT, async () => {
  const { port, codes, server } = await codeServer();
  const relay = await startRelay(relayCert, port);
  try {
    const seenByAgent = await agentCode(relay.port);
    const seenByControl = await codes[0];
    assert.match(seenByAgent, PAIRING_CODE_PATTERN);
    assert.match(seenByControl!, PAIRING_CODE_PATTERN);
    assert.notEqual(seenByAgent, seenByControl);
  } finally {
    relay.close();
    server.close();
  }
});

test('a TLS 1.2 connection yields no code: PAIRING_TLS_TOO_OLD on both ends', TIMEOUT, async () => {
  const { port, codes, server } = await codeServer({ maxVersion: 'TLSv1.2' });
  try {
    const serverSide = assert.rejects(codes[0]!, (err) => hasCode(err, 'PAIRING_TLS_TOO_OLD'));
    await assert.rejects(agentCode(port), (err) => hasCode(err, 'PAIRING_TLS_TOO_OLD'));
    await serverSide;
  } finally {
    server.close();
  }
});

test('the code depends on both keys', TIMEOUT, () => {
  const exported = Buffer.alloc(32, 7);
  const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey;
  const controlKey = new X509Certificate(control.certPem).publicKey;
  const base = pairingCode(exported, controlKey, agentKey);
  assert.notEqual(pairingCode(exported, other, agentKey), base);
  assert.notEqual(pairingCode(exported, controlKey, other), base);
  assert.equal(pairingCode(Buffer.alloc(32, 7), controlKey, agentKey), base);
});

test('normalizePairingCode accepts what people type and refuses junk', TIMEOUT, () => {
  assert.equal(normalizePairingCode('7k3q m9xd'), '7K3Q-M9XD');
  assert.equal(normalizePairingCode('7K3QM9XD'), '7K3Q-M9XD');
  assert.equal(normalizePairingCode(' 7k3q-m9xd '), '7K3Q-M9XD');
  assert.equal(normalizePairingCode('il0o-abcd'), '1100-ABCD');
  for (const junk of ['', '7K3Q', '7K3Q-M9XD-1', 'UUUU-UUUU', '7K3Q_M9XD', '7K3Q-M9X!', '😀😀😀😀-😀😀😀😀']) {
    assert.throws(() => normalizePairingCode(junk), (err) => hasCode(err, 'PAIRING_CODE_INVALID'), junk);
  }
});
