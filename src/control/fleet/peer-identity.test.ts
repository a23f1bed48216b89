import assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import type { PeerCertificate } from 'node:tls';
import { hasCode } from '../../core/errors.js';
import { buildCertificate, type CertificateSpec } from '../pki/index.js';
import { agentIdentityCheck, serialHexOf } from './peer-identity.js';

function certificate(overrides: Partial<CertificateSpec> = {}): Buffer {
  const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return buildCertificate({
    serialHex: `0a${'1b'.repeat(15)}`,
    commonName: 'agent-1',
    subjectPublicKey: keys.publicKey,
    signer: { kind: 'self', privateKey: keys.privateKey },
    profile: { kind: 'leaf', usage: ['server', 'client'] },
    now: new Date(),
    notAfter: new Date(Date.now() + 86_400_000),
    ...overrides,
  }).der;
}

const checkAgent1 = (raw: Buffer): Error | undefined => agentIdentityCheck('agent-1')('127.0.0.1', { raw } as PeerCertificate);

test('serials are spelt as the registry spells them: lower case, no leading zeros', () => {
  const cert = new X509Certificate(certificate());
  assert.equal(cert.serialNumber, `0A${'1B'.repeat(15)}`);
  assert.equal(serialHexOf(cert), `a${'1b'.repeat(15)}`);
});

test('the agent certificate must carry exactly writ:host:<registered name>', () => {
  assert.equal(checkAgent1(certificate({ hostName: 'agent-1' })), undefined);
  const mismatch = (err: unknown): boolean => hasCode(err, 'AGENT_IDENTITY_MISMATCH');
  // "writ:host:agent-1" is a substring of "writ:host:agent-10": only an exact entry counts.
  assert.ok(mismatch(checkAgent1(certificate({ hostName: 'agent-10' }))));
  // The control host's own certificate is of the same CA, but it is not an agent.
  assert.ok(mismatch(checkAgent1(certificate({ controlHost: true }))));
  // The common name is not the binding: only the URI is.
  assert.ok(mismatch(checkAgent1(certificate({ dnsNames: ['agent-1'] }))));
  assert.ok(mismatch(checkAgent1(Buffer.from('not a certificate'))));
});
