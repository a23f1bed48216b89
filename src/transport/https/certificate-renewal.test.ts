import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { testCa, daysAgo, type TestCa } from '../../control/pki/testing.js';
import { AgentCertificateRenewal } from './certificate-renewal.js';
import { CHALLENGE_BYTES, RENEWAL_PROOF_PREFIX } from './renewal-messages.js';

interface Setup {
  readonly ca: TestCa;
  readonly renewal: AgentCertificateRenewal;
  readonly paths: { cert: string; key: string };
  readonly installed: string[];
  clock: number;
  [Symbol.dispose](): void;
}

function issue(ca: TestCa, key: KeyObject, name: string, options: { days?: number; now?: Date } = {}): string {
  return ca.ca.issue({ subjectPublicKey: key, commonName: name, hostName: name, dnsNames: [], ips: [], usage: ['server', 'client'], validityDays: options.days ?? 30, ...(options.now ? { now: options.now } : {}) });
}

function setup(): Setup {
  // Made "60 days ago" so it can issue the agent's current, half-spent certificate.
  const ca = testCa({ now: daysAgo(60) });
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const paths = { cert: join(ca.dir, 'agent.crt'), key: join(ca.dir, 'agent.key') };
  // Issued 20 days ago for 30: the renewal must end later than this one.
  writeFileSync(paths.cert, issue(ca, keys.publicKey, 'web1', { now: daysAgo(20) }));
  writeFileSync(paths.key, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const installed: string[] = [];
  const s: Setup = { ca, paths, installed, clock: Date.now(), renewal: undefined as unknown as AgentCertificateRenewal, [Symbol.dispose]: () => { ca[Symbol.dispose](); } };
  return Object.assign(s, { renewal: new AgentCertificateRenewal(paths, ca.ca.caCertPem, (cert) => installed.push(cert), () => s.clock) });
}

function offer(s: Setup): KeyObject {
  const challenge = randomBytes(CHALLENGE_BYTES);
  const answer = s.renewal.offer(challenge);
  const key = createPublicKey(answer.publicKey);
  assert.ok(verify('sha256', Buffer.concat([Buffer.from(RENEWAL_PROOF_PREFIX), challenge]), key, Buffer.from(answer.signature, 'base64')), 'the proof verifies under the offered key');
  return key;
}

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return (err as { code: string }).code;
  }
  return 'no error';
};

test('offer then install: the new pair is on disk, handed to TLS, and reported', () => {
  using s = setup();
  const key = offer(s);
  const cert = issue(s.ca, key, 'web1');
  const served = s.renewal.install(cert);
  assert.equal(readFileSync(s.paths.cert, 'utf8'), cert);
  assert.ok(new X509Certificate(cert).checkPrivateKey(createPrivateKeyFrom(s.paths.key)));
  assert.deepEqual(s.installed, [cert]);
  assert.equal(served.serial, new X509Certificate(cert).serialNumber.toLowerCase().replace(/^0+/, ''));
  // One offer, one install: the same certificate again finds nothing pending.
  assert.equal(codeOf(() => s.renewal.install(cert)), 'RENEWAL_NOT_PENDING');
});

test('nothing is installed without a pending offer, or after it went stale', () => {
  using s = setup();
  const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
  assert.equal(codeOf(() => s.renewal.install(issue(s.ca, stranger, 'web1'))), 'RENEWAL_NOT_PENDING');
  const key = offer(s);
  s.clock += 11 * 60_000;
  assert.equal(codeOf(() => s.renewal.install(issue(s.ca, key, 'web1'))), 'RENEWAL_NOT_PENDING');
  assert.deepEqual(s.installed, []);
});

test('a certificate for a key the agent did not make is refused', () => {
  using s = setup();
  offer(s);
  const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
  assert.equal(codeOf(() => s.renewal.install(issue(s.ca, stranger, 'web1'))), 'RENEWAL_KEY_MISMATCH');
  assert.deepEqual(s.installed, []);
});

test('a certificate from another CA, with the right key and name, is refused', () => {
  using s = setup();
  using other = testCa({ now: daysAgo(60) });
  const key = offer(s);
  assert.equal(codeOf(() => s.renewal.install(issue(other, key, 'web1'))), 'RENEWAL_UNTRUSTED');
});

test('the control host cannot rename the agent through a renewal', () => {
  using s = setup();
  const key = offer(s);
  assert.equal(codeOf(() => s.renewal.install(issue(s.ca, key, 'web2'))), 'RENEWAL_IDENTITY_CHANGED');
});

test('an expired certificate, or text that is not one, is refused', () => {
  using s = setup();
  const key = offer(s);
  assert.equal(codeOf(() => s.renewal.install(issue(s.ca, key, 'web1', { days: 5, now: daysAgo(10) }))), 'RENEWAL_CERTIFICATE_INVALID');
  assert.equal(codeOf(() => s.renewal.install('not a certificate')), 'RENEWAL_CERTIFICATE_INVALID');
  assert.deepEqual(s.installed, []);
});

test('a certificate valid now is installed even if it ends no later than the current one (the CA sets lifetimes)', () => {
  using s = setup();
  const key = offer(s);
  // The current certificate has 10 days left; the CA now issues 5-day certificates.
  const cert = issue(s.ca, key, 'web1', { days: 5 });
  s.renewal.install(cert);
  assert.deepEqual(s.installed, [cert]);
});

test('a challenge of the wrong size is refused before any key is made', () => {
  using s = setup();
  assert.equal(codeOf(() => s.renewal.offer(Buffer.alloc(0))), 'REQUEST_INVALID');
  assert.equal(codeOf(() => s.renewal.offer(randomBytes(16))), 'REQUEST_INVALID');
});

function createPrivateKeyFrom(path: string): KeyObject {
  return createPrivateKey(readFileSync(path, 'utf8'));
}
