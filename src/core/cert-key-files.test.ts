import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { testCa } from '../control/pki/testing.js';
import { certificateMatchesKey, installCertificateAndKey, recoverCertificateSwap } from './cert-key-files.js';

function pair(ca: ReturnType<typeof testCa>, name: string): { cert: string; key: string } {
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const cert = ca.ca.issue({ subjectPublicKey: keys.publicKey, commonName: name, hostName: name, dnsNames: [], ips: [], usage: ['server'], validityDays: 10 });
  return { cert, key: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

interface Setup {
  readonly ca: ReturnType<typeof testCa>;
  readonly paths: { cert: string; key: string };
  readonly old: { cert: string; key: string };
  readonly fresh: { cert: string; key: string };
  [Symbol.dispose](): void;
}

function setup(): Setup {
  const ca = testCa();
  const paths = { cert: join(ca.dir, 'agent.crt'), key: join(ca.dir, 'agent.key') };
  const old = pair(ca, 'web1');
  writeFileSync(paths.cert, old.cert);
  writeFileSync(paths.key, old.key, { mode: 0o600 });
  return { ca, paths, old, fresh: pair(ca, 'web1'), [Symbol.dispose]: () => { ca[Symbol.dispose](); } };
}

const onDisk = (paths: { cert: string; key: string }): { cert: string; key: string } => ({ cert: readFileSync(paths.cert, 'utf8'), key: readFileSync(paths.key, 'utf8') });

test('install replaces both files, leaves no .next behind, and keeps the key private', () => {
  using s = setup();
  const { paths, fresh } = s;
  installCertificateAndKey(paths, fresh.cert, fresh.key);
  assert.deepEqual(onDisk(paths), fresh);
  assert.equal(statSync(paths.key).mode & 0o777, 0o600);
  assert.equal(existsSync(`${paths.key}.next`) || existsSync(`${paths.cert}.next`), false);
  assert.equal(recoverCertificateSwap(paths), 'none');
});

test('a crash after both .next files were written but before any rename: recovery completes the swap', () => {
  using s = setup();
  const { paths, fresh } = s;
  writeFileSync(`${paths.key}.next`, fresh.key, { mode: 0o600 });
  writeFileSync(`${paths.cert}.next`, fresh.cert);
  assert.equal(recoverCertificateSwap(paths), 'completed');
  assert.deepEqual(onDisk(paths), fresh);
});

test('a crash between the two renames (new key, old certificate): recovery installs the waiting certificate', () => {
  using s = setup();
  const { paths, fresh } = s;
  writeFileSync(paths.key, fresh.key, { mode: 0o600 });
  writeFileSync(`${paths.cert}.next`, fresh.cert);
  // Without recovery the daemon would find a certificate that does not match its key.
  assert.equal(certificateMatchesKey(readFileSync(paths.cert, 'utf8'), fresh.key), false);
  assert.equal(recoverCertificateSwap(paths), 'completed');
  assert.deepEqual(onDisk(paths), fresh);
});

test('a crash while the .next files were being written: recovery discards them and the old pair stays', () => {
  using s = setup();
  const { paths, old, fresh } = s;
  writeFileSync(`${paths.key}.next`, fresh.key, { mode: 0o600 });
  assert.equal(recoverCertificateSwap(paths), 'discarded');
  assert.deepEqual(onDisk(paths), old);
  // Both present, but the certificate cut short: not a pair, so never installed.
  writeFileSync(`${paths.key}.next`, fresh.key, { mode: 0o600 });
  writeFileSync(`${paths.cert}.next`, fresh.cert.slice(0, 200));
  assert.equal(recoverCertificateSwap(paths), 'discarded');
  assert.deepEqual(onDisk(paths), old);
  assert.equal(existsSync(`${paths.key}.next`) || existsSync(`${paths.cert}.next`), false);
});

test('a .next certificate for another key is never installed', () => {
  using s = setup();
  const { paths, old } = s;
  const other = pair(s.ca, 'web1');
  writeFileSync(`${paths.cert}.next`, other.cert);
  assert.equal(recoverCertificateSwap(paths), 'discarded');
  assert.deepEqual(onDisk(paths), old);
});
