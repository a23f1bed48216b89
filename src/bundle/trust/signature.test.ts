import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { hasCode } from '../../core/errors.js';
import { keyPolicyViolation, signDetached, verifyDetached } from './signature.js';
import { OpensslPki, flipBit } from './testing/openssl-pki.js';
import type { KeyKind } from './testing/openssl-pki.js';

describe('detached signatures made by openssl', () => {
  let pki: OpensslPki;
  let dataPath: string;
  let data: Uint8Array;
  before(() => {
    pki = OpensslPki.create();
    data = randomBytes(4096);
    dataPath = pki.write('bundle.tar.gz', data);
  });
  after(() => pki.dispose());

  const accepted: KeyKind[] = ['rsa', 'ec', 'ec384', 'ed25519'];
  for (const kind of accepted) {
    test(`${kind}: openssl signature verifies; one flipped bit in data or signature does not`, () => {
      const key = pki.key(`accepted-${kind}`, kind);
      const signature = pki.sign(key, dataPath);
      assert.equal(verifyDetached(data, signature, key.publicKey), true);
      assert.equal(verifyDetached(flipBit(data, 8 * 100 + 3), signature, key.publicKey), false);
      assert.equal(verifyDetached(data, flipBit(signature, 8 * 20 + 1), key.publicKey), false);
      // Another key of the same type must not verify it.
      const other = pki.key(`other-${kind}`, kind);
      assert.equal(verifyDetached(data, signature, other.publicKey), false);
    });

    test(`${kind}: signDetached output verifies with openssl`, () => {
      const key = pki.key(`seal-${kind}`, kind);
      const sigPath = pki.write(`seal-${kind}.sig`, signDetached(data, key.privateKey));
      if (kind === 'ed25519') {
        pki.openssl(['pkeyutl', '-verify', '-rawin', '-pubin', '-inkey', key.publicPath, '-in', dataPath, '-sigfile', sigPath]);
      } else {
        pki.openssl(['dgst', '-sha256', '-verify', key.publicPath, '-signature', sigPath, dataPath]);
      }
      assert.equal(verifyDetached(data, readFileSync(sigPath), key.publicKey), true);
    });
  }

  test('malformed signatures return false instead of throwing', () => {
    for (const kind of accepted) {
      const key = pki.key(`malformed-${kind}`, kind);
      for (const signature of [new Uint8Array(0), new Uint8Array(1), randomBytes(64), randomBytes(256), randomBytes(600)]) {
        assert.equal(verifyDetached(data, signature, key.publicKey), false, kind);
      }
    }
  });

  test('the digest comes from the key: an EC signature over SHA-512 does not verify', () => {
    const key = pki.key('sha512', 'ec');
    const sigPath = pki.file('sha512.sig');
    pki.openssl(['dgst', '-sha512', '-sign', key.privatePath, '-out', sigPath, dataPath]);
    assert.equal(verifyDetached(data, readFileSync(sigPath), key.publicKey), false);
  });

  test('refused key types never verify, even a valid openssl signature', () => {
    for (const kind of ['rsa1024', 'ed448', 'p521'] as const) {
      const key = pki.key(`refused-${kind}`, kind);
      const signature = pki.sign(key, dataPath);
      assert.notEqual(keyPolicyViolation(key.publicKey), undefined, kind);
      assert.equal(verifyDetached(data, signature, key.publicKey), false, kind);
      assert.throws(() => signDetached(data, key.privateKey), (err) => hasCode(err, 'KEY_INVALID'), kind);
    }
  });

  test('verification needs a public key, signing a private one', () => {
    const key = pki.key('roles', 'ec');
    const signature = pki.sign(key, dataPath);
    assert.equal(verifyDetached(data, signature, key.privateKey), false);
    assert.throws(() => signDetached(data, key.publicKey), (err) => hasCode(err, 'KEY_INVALID'));
  });
});
