import assert from 'node:assert/strict';
import { X509Certificate, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { test } from 'node:test';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AuthorityKeyIdentifier, Certificate, SubjectKeyIdentifier, id_ce_authorityKeyIdentifier, id_ce_subjectKeyIdentifier } from '@peculiar/asn1-x509';
import { certProfile } from '../../bundle/trust/x509-profile.js';
import { CLOCK_SKEW_MS, buildCertificate, type CertificateSpec } from './certificate-builder.js';
import { ECDSA_WITH_SHA256, ED25519 } from './key-algorithms.js';
import { randomSerial } from './serial.js';

const now = new Date('2030-01-01T00:00:00Z');
const inDays = (days: number): Date => new Date(now.getTime() + days * 86_400_000);

function selfSignedCa(keys: { privateKey: KeyObject; publicKey: KeyObject }): X509Certificate {
  const built = buildCertificate({
    serialHex: randomSerial(),
    commonName: 'test CA',
    subjectPublicKey: keys.publicKey,
    signer: { kind: 'self', privateKey: keys.privateKey },
    profile: { kind: 'ca' },
    now,
    notAfter: inDays(365),
  });
  return new X509Certificate(built.der);
}

function parsed(cert: X509Certificate): Certificate {
  return AsnConvert.parse(cert.raw, Certificate);
}

function extensionOf(cert: X509Certificate, oid: string): { critical: boolean; value: ArrayBuffer } {
  const ext = parsed(cert).tbsCertificate.extensions?.find((e) => e.extnID === oid);
  assert.ok(ext, `extension ${oid}`);
  return { critical: ext.critical, value: new Uint8Array(ext.extnValue.buffer).slice().buffer };
}

for (const [type, keyOf, oid] of [
  ['EC P-256', () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }), ECDSA_WITH_SHA256],
  ['Ed25519', () => generateKeyPairSync('ed25519'), ED25519],
] as const) {
  test(`${type}: a self-signed CA and a leaf, signed with ${oid} without parameters`, () => {
    const caKeys = keyOf();
    const ca = selfSignedCa(caKeys);
    assert.ok(ca.verify(caKeys.publicKey));
    const leafKeys = keyOf();
    const leaf = new X509Certificate(
      buildCertificate({
        serialHex: randomSerial(),
        commonName: 'agent-1',
        subjectPublicKey: leafKeys.publicKey,
        signer: { kind: 'issuer', certificate: ca, privateKey: caKeys.privateKey },
        profile: { kind: 'leaf', usage: ['server'] },
        now,
        notAfter: inDays(30),
        dnsNames: ['agent-1.example'],
      }).der,
    );
    assert.ok(leaf.verify(caKeys.publicKey));
    assert.ok(leaf.checkIssued(ca));
    for (const cert of [ca, leaf]) {
      const asn = parsed(cert);
      assert.equal(asn.signatureAlgorithm.algorithm, oid);
      assert.equal(asn.signatureAlgorithm.parameters, undefined);
      assert.equal(asn.tbsCertificate.signature.algorithm, oid);
      assert.equal(asn.tbsCertificate.version, 2);
    }
  });
}

test('the issuer name is the CA subject byte for byte; AKI of a leaf is the CA SKI; a CA names itself', () => {
  const caKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ca = selfSignedCa(caKeys);
  const leaf = new X509Certificate(
    buildCertificate({
      serialHex: randomSerial(),
      commonName: 'agent-1',
      subjectPublicKey: generateKeyPairSync('ed25519').publicKey,
      signer: { kind: 'issuer', certificate: ca, privateKey: caKeys.privateKey },
      profile: { kind: 'leaf', usage: ['client'] },
      now,
      notAfter: inDays(30),
    }).der,
  );
  assert.deepEqual(Buffer.from(AsnConvert.serialize(parsed(leaf).tbsCertificate.issuer)), Buffer.from(AsnConvert.serialize(parsed(ca).tbsCertificate.subject)));
  const ski = (cert: X509Certificate): Buffer => Buffer.from(AsnConvert.parse(extensionOf(cert, id_ce_subjectKeyIdentifier).value, SubjectKeyIdentifier).buffer);
  const aki = (cert: X509Certificate): Buffer => Buffer.from(AsnConvert.parse(extensionOf(cert, id_ce_authorityKeyIdentifier).value, AuthorityKeyIdentifier).keyIdentifier?.buffer ?? new ArrayBuffer(0));
  assert.equal(ski(ca).length, 20);
  assert.deepEqual(aki(ca), ski(ca));
  assert.deepEqual(aki(leaf), ski(ca));
  assert.notDeepEqual(ski(leaf), ski(ca));
});

test('basic constraints and key usage are critical; a leaf cannot sign certificates; validity starts early', () => {
  const caKeys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ca = selfSignedCa(caKeys);
  const leaf = new X509Certificate(
    buildCertificate({
      serialHex: randomSerial(),
      commonName: 'agent-1',
      subjectPublicKey: generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey,
      signer: { kind: 'issuer', certificate: ca, privateKey: caKeys.privateKey },
      profile: { kind: 'leaf', usage: ['client', 'server', 'client'] },
      now,
      notAfter: inDays(30),
    }).der,
  );
  for (const cert of [ca, leaf]) {
    assert.equal(extensionOf(cert, '2.5.29.19').critical, true);
    assert.equal(extensionOf(cert, '2.5.29.15').critical, true);
  }
  const profile = certProfile(leaf);
  assert.equal(profile.ca, false);
  assert.deepEqual(profile.extKeyUsage, ['1.3.6.1.5.5.7.3.2', '1.3.6.1.5.5.7.3.1']);
  assert.equal(profile.notBefore.getTime(), now.getTime() - CLOCK_SKEW_MS);
  assert.equal(profile.notAfter.getTime(), inDays(30).getTime());
  // A leaf without SAN inputs carries no SAN extension (its subject names it).
  assert.equal(leaf.subjectAltName, undefined);
});

test('dates past 2049 are written as GeneralizedTime and read back exactly', () => {
  const keys = generateKeyPairSync('ed25519');
  const notAfter = new Date('2061-03-04T05:06:07Z');
  const cert = new X509Certificate(
    buildCertificate({ serialHex: randomSerial(), commonName: 'ca', subjectPublicKey: keys.publicKey, signer: { kind: 'self', privateKey: keys.privateKey }, profile: { kind: 'ca' }, now, notAfter }).der,
  );
  assert.equal(certProfile(cert).notAfter.getTime(), notAfter.getTime());
  assert.ok(parsed(cert).tbsCertificate.validity.notAfter.generalTime);
});

test('the builder refuses what would make a wrong certificate', () => {
  const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const base: CertificateSpec = { serialHex: randomSerial(), commonName: 'x', subjectPublicKey: keys.publicKey, signer: { kind: 'self', privateKey: keys.privateKey }, profile: { kind: 'ca' }, now, notAfter: inDays(1) };
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const refused: Partial<CertificateSpec>[] = [
    { serialHex: 'ABCDEF' },
    { serialHex: `ff${randomSerial().slice(2)}` },
    { notAfter: new Date(now.getTime() - CLOCK_SKEW_MS) },
    { subjectPublicKey: rsa.publicKey },
    { signer: { kind: 'self', privateKey: rsa.privateKey } },
    { profile: { kind: 'leaf', usage: [] } },
  ];
  for (const overrides of refused) assert.throws(() => buildCertificate({ ...base, ...overrides }), Error, JSON.stringify(Object.keys(overrides)));
  assert.ok(buildCertificate(base).pem.startsWith('-----BEGIN CERTIFICATE-----\n'));
});
