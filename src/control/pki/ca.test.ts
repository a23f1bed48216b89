import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { hasCode } from '../../core/errors.js';
import { certProfile, KeyUsageFlags } from '../../bundle/trust/x509-profile.js';
import { tempDir } from '../../../test/support/temp.js';
import { CertificateAuthority, initCa, loadCa, type IssueRequest } from './ca.js';
import { caPaths } from './ca-layout.js';
import { DAY_MS, daysAgo, testCa } from './testing.js';

const FILES = ['ca.key', 'ca.pem', 'serials', 'control.key', 'control.pem'];

function agentRequest(overrides: Partial<IssueRequest> = {}): IssueRequest {
  return {
    subjectPublicKey: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey,
    commonName: 'agent-1',
    hostName: 'agent-1',
    dnsNames: ['agent-1.example'],
    ips: ['10.0.0.7'],
    usage: ['client'],
    validityDays: 30,
    ...overrides,
  };
}

test('init creates the CA files, private keys 0600, and a self-signed CA with pathLen 0', () => {
  using t = testCa();
  for (const name of FILES) assert.ok(existsSync(join(t.dir, name)), name);
  assert.equal(statSync(join(t.dir, 'ca.key')).mode & 0o777, 0o600);
  assert.equal(statSync(join(t.dir, 'control.key')).mode & 0o777, 0o600);
  assert.equal(statSync(join(t.dir, 'serials')).mode & 0o777, 0o600);
  const ca = new X509Certificate(readFileSync(join(t.dir, 'ca.pem')));
  assert.ok(ca.verify(ca.publicKey));
  assert.equal(ca.subject, 'CN=writ control CA');
  const profile = certProfile(ca);
  assert.equal(profile.ca, true);
  assert.equal(profile.pathLen, 0);
  assert.equal(profile.keyUsage, KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign);
  assert.equal(ca.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.equal(t.init.keyType, 'ec-p256');
  assert.match(t.init.fingerprint, /^sha256:[0-9a-f]{64}$/);
  // Both serials (CA and control certificate) are in the ledger.
  assert.equal(readFileSync(join(t.dir, 'serials'), 'utf8').trimEnd().split('\n').length, 2);
});

test('the control certificate is a server+client leaf for localhost and 127.0.0.1 by default', () => {
  using t = testCa();
  const ca = new X509Certificate(readFileSync(join(t.dir, 'ca.pem')));
  const control = new X509Certificate(readFileSync(join(t.dir, 'control.pem')));
  assert.ok(control.verify(ca.publicKey));
  assert.ok(control.checkIssued(ca));
  assert.ok(control.checkPrivateKey(createPrivateKey(readFileSync(join(t.dir, 'control.key')))));
  assert.equal(control.checkHost('localhost'), 'localhost');
  assert.equal(control.checkIP('127.0.0.1'), '127.0.0.1');
  assert.equal(control.ca, false);
  assert.deepEqual([...(certProfile(control).extKeyUsage ?? [])].sort(), ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
  assert.deepEqual(t.init.control.dnsNames, ['localhost']);
});

test('given names replace the defaults; Ed25519 CAs work too', () => {
  using t = testCa({ keyType: 'ed25519', name: 'Fleet CA', dnsNames: ['Control.Example.org'], ips: ['::1', '192.0.2.1'] });
  const control = new X509Certificate(readFileSync(join(t.dir, 'control.pem')));
  assert.equal(control.checkHost('control.example.org'), 'control.example.org');
  assert.equal(control.checkIP('::1'), '::1');
  assert.equal(control.checkIP('192.0.2.1'), '192.0.2.1');
  assert.equal(control.checkHost('localhost'), undefined);
  assert.equal(control.checkIP('127.0.0.1'), undefined);
  assert.equal(t.ca.certificate.publicKey.asymmetricKeyType, 'ed25519');
  assert.equal(t.ca.certificate.subject, 'CN=Fleet CA');
});

test('init twice fails with CA_EXISTS and leaves the first CA byte for byte unchanged', () => {
  using t = testCa();
  const before = FILES.map((name) => readFileSync(join(t.dir, name)));
  assert.throws(() => initCa({ dir: t.dir }), (err) => hasCode(err, 'CA_EXISTS'));
  assert.deepEqual(FILES.map((name) => readFileSync(join(t.dir, name))), before);
  assert.ok(loadCa(t.dir).certificate.raw.equals(t.ca.certificate.raw));
});

test('a leftover CA file makes init fail with CA_EXISTS and removes only what init created', () => {
  using dir = tempDir();
  mkdirSync(join(dir.path, 'ca'));
  writeFileSync(join(dir.path, 'ca', 'control.pem'), 'old');
  assert.throws(() => initCa({ dir: join(dir.path, 'ca') }), (err) => hasCode(err, 'CA_EXISTS'));
  assert.equal(readFileSync(join(dir.path, 'ca', 'control.pem'), 'utf8'), 'old');
  for (const name of ['ca.key', 'ca.pem', 'serials', 'control.key']) assert.equal(existsSync(join(dir.path, 'ca', name)), false, name);
});

test('init refuses bad options before touching the disk', () => {
  using dir = tempDir();
  const target = join(dir.path, 'ca');
  const refused: Parameters<typeof initCa>[0][] = [
    { dir: target, validityDays: 0 },
    { dir: target, validityDays: 1.5 },
    { dir: target, validityDays: 100_000 },
    { dir: target, name: '' },
    { dir: target, name: 'evil\nCA' },
    { dir: target, name: 'x'.repeat(65) },
    { dir: target, keyType: 'rsa' as 'ed25519' },
    { dir: target, dnsNames: [], ips: [] },
    { dir: target, dnsNames: ['*.example.org'] },
    { dir: target, ips: ['fe80::1%eth0'] },
    { dir: target, now: new Date(Number.NaN) },
  ];
  for (const options of refused) assert.throws(() => initCa(options), (err) => hasCode(err, 'OPTION_INVALID'), JSON.stringify(options));
  assert.equal(existsSync(target), false);
});

test('issue: a client leaf bound to its host name, checked by Node against the CA', () => {
  using t = testCa();
  const pem = t.ca.issue(agentRequest());
  const leaf = new X509Certificate(pem);
  assert.ok(leaf.verify(t.ca.certificate.publicKey));
  assert.ok(leaf.checkIssued(t.ca.certificate));
  assert.equal(leaf.checkHost('agent-1.example'), 'agent-1.example');
  assert.equal(leaf.checkIP('10.0.0.7'), '10.0.0.7');
  assert.match(leaf.subjectAltName ?? '', /URI:writ:host:agent-1/);
  assert.equal(leaf.subject, 'CN=agent-1');
  const profile = certProfile(leaf);
  assert.equal(profile.ca, false);
  assert.equal(profile.keyUsage, KeyUsageFlags.digitalSignature);
  assert.deepEqual(profile.extKeyUsage, ['1.3.6.1.5.5.7.3.2']);
  assert.ok(readFileSync(join(t.dir, 'serials'), 'utf8').includes(leaf.serialNumber.toLowerCase()));
});

test('issue: validity starts five minutes early and never outlives the CA', () => {
  using t = testCa({ validityDays: 10 });
  const now = new Date();
  const leaf = certProfile(new X509Certificate(t.ca.issue(agentRequest({ validityDays: 30, now }))));
  assert.equal(leaf.notBefore.getTime(), Math.floor((now.getTime() - 5 * 60_000) / 1000) * 1000);
  assert.equal(leaf.notAfter.getTime(), t.ca.notAfter.getTime());
  const short = certProfile(new X509Certificate(t.ca.issue(agentRequest({ validityDays: 2, now }))));
  assert.equal(short.notAfter.getTime(), Math.floor((now.getTime() + 2 * DAY_MS) / 1000) * 1000);
});

test('issue refuses once the CA has expired (CA_EXPIRED) and before it starts (CA_NOT_YET_VALID)', () => {
  using t = testCa({ now: daysAgo(400), validityDays: 365 });
  assert.throws(() => t.ca.issue(agentRequest()), (err) => hasCode(err, 'CA_EXPIRED'));
  assert.throws(() => t.ca.issue(agentRequest({ now: daysAgo(500) })), (err) => hasCode(err, 'CA_NOT_YET_VALID'));
  assert.ok(t.ca.issue(agentRequest({ now: daysAgo(100) })).startsWith('-----BEGIN CERTIFICATE-----'));
});

test('issue refuses unusable requests', () => {
  using t = testCa();
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
  const ed = generateKeyPairSync('ed25519');
  const refused: Partial<IssueRequest>[] = [
    { subjectPublicKey: rsa.publicKey },
    { subjectPublicKey: p384.publicKey },
    { subjectPublicKey: ed.privateKey },
    { usage: [] },
    { commonName: 'agent 1' },
    { commonName: '-agent' },
    { hostName: 'a/b' },
    { dnsNames: ['bad_name.example'] },
    { ips: ['10.0.0.256'] },
    { validityDays: 0 },
    { validityDays: 3651 },
  ];
  for (const overrides of refused) assert.throws(() => t.ca.issue(agentRequest(overrides)), (err) => hasCode(err, 'OPTION_INVALID'), JSON.stringify(Object.keys(overrides)));
  assert.ok(t.ca.issue(agentRequest({ subjectPublicKey: ed.publicKey, usage: ['server', 'client'] })));
});

test('init and load refuse a CA directory others may write to', () => {
  using dir = tempDir();
  const shared = join(dir.path, 'shared');
  mkdirSync(shared);
  chmodSync(shared, 0o777);
  assert.throws(() => initCa({ dir: shared }), (err) => hasCode(err, 'CA_INVALID') && /chmod 700/.test((err as Error).message));
  assert.equal(existsSync(join(shared, 'ca.key')), false);
  using t = testCa();
  chmodSync(t.dir, 0o775);
  assert.throws(() => loadCa(t.dir), (err) => hasCode(err, 'CA_INVALID') && /chmod 700/.test((err as Error).message));
  chmodSync(t.dir, 0o755);
  assert.ok(loadCa(t.dir));
});

test('init reports a CA directory it cannot create as CA_INVALID', () => {
  using dir = tempDir();
  writeFileSync(join(dir.path, 'file'), '');
  assert.throws(() => initCa({ dir: join(dir.path, 'file', 'ca') }), (err) => hasCode(err, 'CA_INVALID'));
});

test('loadCa: a missing CA is CA_NOT_FOUND', () => {
  using dir = tempDir();
  assert.throws(() => loadCa(join(dir.path, 'nothing')), (err) => hasCode(err, 'CA_NOT_FOUND'));
});

test('loadCa refuses a CA key readable by others', () => {
  using t = testCa();
  chmodSync(join(t.dir, 'ca.key'), 0o640);
  assert.throws(() => loadCa(t.dir), (err) => hasCode(err, 'CA_INVALID') && /chmod 600/.test((err as Error).message));
  chmodSync(join(t.dir, 'ca.key'), 0o600);
  assert.ok(loadCa(t.dir));
});

test('loadCa refuses a key that is not the CA certificate\'s, a non-CA certificate and a missing ledger', () => {
  using t = testCa();
  using other = testCa();
  const paths = caPaths(t.dir);
  const keep = readFileSync(paths.caKey);
  copyFileSync(caPaths(other.dir).caKey, paths.caKey);
  assert.throws(() => loadCa(t.dir), (err) => hasCode(err, 'CA_INVALID'));
  writeFileSync(paths.caKey, keep);

  // The control certificate and its key match each other but are no CA.
  const keepCert = readFileSync(paths.caCert);
  copyFileSync(paths.controlCert, paths.caCert);
  copyFileSync(paths.controlKey, paths.caKey);
  assert.throws(() => loadCa(t.dir), (err) => hasCode(err, 'CA_INVALID') && /cA is not true/.test((err as Error).message));
  writeFileSync(paths.caCert, keepCert);
  writeFileSync(paths.caKey, keep);

  rmSync(paths.serials);
  assert.throws(() => loadCa(t.dir), (err) => hasCode(err, 'CA_INVALID') && /serials is missing/.test((err as Error).message));
});

test('a CA built over an in-memory ledger never reuses a serial the ledger has seen', () => {
  using t = testCa();
  const used = new Set<string>();
  const ledger = { claim: (s: string) => (used.has(s) ? false : (used.add(s), true)) };
  const ca = new CertificateAuthority(t.ca.paths, t.ca.certificate, createPrivateKey(readFileSync(join(t.dir, 'ca.key'))), ledger);
  const serials = new Set(Array.from({ length: 50 }, () => new X509Certificate(ca.issue(agentRequest())).serialNumber));
  assert.equal(serials.size, 50);
  assert.equal(used.size, 50);
  // A ledger that refuses everything (a repeating RNG) stops issuing instead of reusing a serial.
  const stuck = new CertificateAuthority(t.ca.paths, t.ca.certificate, createPrivateKey(readFileSync(join(t.dir, 'ca.key'))), { claim: () => false });
  assert.throws(() => stuck.issue(agentRequest()), (err) => hasCode(err, 'SERIAL_EXHAUSTED'));
});

test('the control host certificate carries URI writ:control; a certificate cannot be both an agent and the control host', () => {
  using t = testCa();
  const control = new X509Certificate(readFileSync(join(t.dir, 'control.pem')));
  assert.match(control.subjectAltName ?? '', /URI:writ:control/);
  assert.doesNotMatch(control.subjectAltName ?? '', /writ:host:/);
  assert.doesNotMatch(new X509Certificate(t.ca.issue(agentRequest())).subjectAltName ?? '', /writ:control/);
  assert.throws(() => t.ca.issue({ ...agentRequest(), controlHost: true }), (err) => hasCode(err, 'OPTION_INVALID'));
});
