import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { ECDSA_WITH_SHA256, ED25519, pkiKeyTypeOf, signData, verifyData } from './key-algorithms.js';

const data = new TextEncoder().encode('to be signed');

test('EC P-256 and Ed25519 sign and verify under their own algorithm only', () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const ed = generateKeyPairSync('ed25519');
  const ecSig = signData(ec.privateKey, data);
  const edSig = signData(ed.privateKey, data);
  assert.equal(ecSig.algorithm, ECDSA_WITH_SHA256);
  assert.equal(edSig.algorithm, ED25519);
  assert.ok(verifyData(ec.publicKey, ECDSA_WITH_SHA256, data, ecSig.signature));
  assert.ok(verifyData(ed.publicKey, ED25519, data, edSig.signature));
  // The signer does not choose how it is checked.
  assert.equal(verifyData(ec.publicKey, ED25519, data, ecSig.signature), false);
  assert.equal(verifyData(ed.publicKey, ECDSA_WITH_SHA256, data, edSig.signature), false);
  assert.equal(verifyData(ec.publicKey, ECDSA_WITH_SHA256, new TextEncoder().encode('other'), ecSig.signature), false);
  // A malformed signature is false, not an exception.
  assert.equal(verifyData(ec.publicKey, ECDSA_WITH_SHA256, data, new Uint8Array([0x30, 0x02, 0x05])), false);
  assert.equal(verifyData(ed.publicKey, ED25519, data, new Uint8Array(3)), false);
});

test('only EC P-256 and Ed25519 keys are PKI keys', () => {
  assert.equal(pkiKeyTypeOf(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey), 'ec-p256');
  assert.equal(pkiKeyTypeOf(generateKeyPairSync('ed25519').privateKey), 'ed25519');
  assert.equal(pkiKeyTypeOf(generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey), undefined);
  assert.equal(pkiKeyTypeOf(generateKeyPairSync('ed448').publicKey), undefined);
  assert.equal(pkiKeyTypeOf(generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey), undefined);
  assert.throws(() => signData(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey, data));
});
