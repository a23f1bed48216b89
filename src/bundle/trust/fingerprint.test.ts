import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { certSerial, keyFingerprint, normalizeSerial } from './fingerprint.js';
import { OpensslPki } from './testing/openssl-pki.js';

describe('fingerprints and serials', () => {
  let pki: OpensslPki;
  before(() => {
    pki = OpensslPki.create();
  });
  after(() => pki.dispose());

  test('keyFingerprint is the SHA-256 of the SPKI DER, as openssl computes it', () => {
    for (const kind of ['rsa', 'ec', 'ed25519'] as const) {
      const key = pki.key(`fp-${kind}`, kind);
      const der = pki.file(`fp-${kind}.der`);
      pki.openssl(['pkey', '-pubin', '-in', key.publicPath, '-outform', 'DER', '-out', der]);
      const hex = pki.openssl(['dgst', '-sha256', '-r', der]).toString().split(' ')[0];
      assert.equal(keyFingerprint(key.publicKey), `sha256:${hex}`);
      // The private half names the same key pair.
      assert.equal(keyFingerprint(key.privateKey), keyFingerprint(key.publicKey));
    }
  });

  test('the same key in a certificate and as RSA PUBLIC KEY has one fingerprint', () => {
    const root = pki.root('fp-root', { key: 'rsa' });
    const pkcs1 = pki.file('fp-root.pkcs1.pem');
    pki.openssl(['rsa', '-pubin', '-in', root.key.publicPath, '-RSAPublicKey_out', '-out', pkcs1]);
    const pem = readFileSync(pkcs1, 'utf8');
    assert.match(pem, /BEGIN RSA PUBLIC KEY/);
    assert.equal(keyFingerprint(root.cert.publicKey), keyFingerprint(root.key.publicKey));
    assert.equal(keyFingerprint(createPublicKey(pem)), keyFingerprint(root.key.publicKey));
  });

  test('certSerial drops leading zeros and uppercases', () => {
    const root = pki.root('serial-root');
    assert.equal(certSerial(pki.leaf('serial-a', root, { serial: '000a1b' }).cert), 'A1B');
    // A high first bit makes DER add a 00 sign byte; the name must not change.
    assert.equal(certSerial(pki.leaf('serial-b', root, { serial: '80ff' }).cert), '80FF');
    assert.equal(certSerial(pki.leaf('serial-c', root, { serial: '01' }).cert), '1');
  });

  test('normalizeSerial', () => {
    assert.equal(normalizeSerial('00:0A:1b'), 'A1B');
    assert.equal(normalizeSerial('0000'), '0');
    assert.equal(normalizeSerial('-0F'), '-F');
    assert.equal(normalizeSerial('0x1F'), undefined);
    assert.equal(normalizeSerial(''), undefined);
  });
});
