/** The openssl CLI, a second and independent reader, agrees with what the control CA issues. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildCertificate } from './certificate-builder.js';
import { randomSerial } from './serial.js';
import { daysAgo, testCa } from './testing.js';

function openssl(args: string[]): { code: number | null; out: string } {
  const res = spawnSync('openssl', args, { encoding: 'utf8' });
  return { code: res.status, out: `${res.stdout}${res.stderr}` };
}

for (const keyType of ['ec-p256', 'ed25519'] as const) {
  test(`${keyType}: openssl verify accepts the control and agent certificates for their purposes`, () => {
    using t = testCa({ keyType });
    const caFile = join(t.dir, 'ca.pem');
    const agentFile = join(t.dir, 'agent.pem');
    const keys = keyType === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    writeFileSync(agentFile, t.ca.issue({ subjectPublicKey: keys.publicKey, commonName: 'agent-1', hostName: 'agent-1', dnsNames: ['agent-1.example'], ips: [], usage: ['client'], validityDays: 30 }));
    for (const [file, purpose] of [
      [join(t.dir, 'control.pem'), 'sslserver'],
      [join(t.dir, 'control.pem'), 'sslclient'],
      [agentFile, 'sslclient'],
    ] as const) {
      const res = openssl(['verify', '-x509_strict', '-purpose', purpose, '-CAfile', caFile, file]);
      assert.equal(res.code, 0, res.out);
      assert.match(res.out, /: OK/);
    }
    // A client-only certificate is not a server certificate.
    const asServer = openssl(['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', caFile, agentFile]);
    assert.notEqual(asServer.code, 0);
    assert.match(asServer.out, /unsuitable certificate purpose/);
  });
}

test('openssl x509 -text shows the extensions as intended', () => {
  using t = testCa();
  const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const agentFile = join(t.dir, 'agent.pem');
  writeFileSync(agentFile, t.ca.issue({ subjectPublicKey: keys.publicKey, commonName: 'agent-1', hostName: 'agent-1', dnsNames: ['agent-1.example'], ips: ['10.0.0.7'], usage: ['client'], validityDays: 30 }));
  const ca = openssl(['x509', '-noout', '-text', '-in', join(t.dir, 'ca.pem')]).out;
  assert.match(ca, /X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
  assert.match(ca, /X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
  assert.match(ca, /Signature Algorithm: ecdsa-with-SHA256/);
  assert.match(ca, /Issuer: CN = writ control CA/);
  const agent = openssl(['x509', '-noout', '-text', '-in', agentFile]).out;
  assert.match(agent, /X509v3 Basic Constraints: critical\s+CA:FALSE/);
  assert.match(agent, /X509v3 Key Usage: critical\s+Digital Signature\n/);
  assert.match(agent, /X509v3 Extended Key Usage: \s+TLS Web Client Authentication\n/);
  assert.match(agent, /X509v3 Subject Key Identifier: \s+[0-9A-F:]{59}\n/);
  assert.match(agent, /X509v3 Authority Key Identifier: \s+[0-9A-F:]{59}\n/);
  assert.match(agent, /X509v3 Subject Alternative Name: \s+DNS:agent-1.example, IP Address:10.0.0.7, URI:writ:host:agent-1\n/);
  assert.match(agent, /Subject: CN = agent-1\n/);
  assert.match(agent, /Version: 3 \(0x2\)/);
  const control = openssl(['x509', '-noout', '-text', '-in', join(t.dir, 'control.pem')]).out;
  assert.match(control, /TLS Web Server Authentication, TLS Web Client Authentication/);
  assert.match(control, /DNS:localhost, IP Address:127.0.0.1/);
});

test('openssl verify refuses an expired leaf, a leaf used as a CA, and a leaf from another CA', () => {
  using t = testCa({ now: daysAgo(30) });
  using other = testCa();
  const caFile = join(t.dir, 'ca.pem');
  const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const request = { subjectPublicKey: keys.publicKey, commonName: 'agent-1', dnsNames: [], ips: [], usage: ['client' as const], validityDays: 1 };
  const expiredFile = join(t.dir, 'expired.pem');
  writeFileSync(expiredFile, t.ca.issue({ ...request, now: daysAgo(20) }));
  assert.match(openssl(['verify', '-CAfile', caFile, expiredFile]).out, /certificate has expired/);

  const leafPem = t.ca.issue(request);
  const leafFile = join(t.dir, 'leaf.pem');
  writeFileSync(leafFile, leafPem);
  const forged = buildCertificate({
    serialHex: randomSerial(),
    commonName: 'agent-2',
    subjectPublicKey: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey,
    signer: { kind: 'issuer', certificate: new X509Certificate(leafPem), privateKey: keys.privateKey },
    profile: { kind: 'leaf', usage: ['client'] },
    now: new Date(),
    notAfter: new Date(Date.now() + 86_400_000),
  });
  const forgedFile = join(t.dir, 'forged.pem');
  writeFileSync(forgedFile, forged.pem);
  const forgedResult = openssl(['verify', '-CAfile', caFile, '-untrusted', leafFile, forgedFile]);
  assert.notEqual(forgedResult.code, 0);
  assert.match(forgedResult.out, /invalid CA certificate/);

  const strangerFile = join(t.dir, 'stranger.pem');
  writeFileSync(strangerFile, other.ca.issue(request));
  const stranger = openssl(['verify', '-CAfile', caFile, strangerFile]);
  assert.notEqual(stranger.code, 0);
});
