import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hasCode } from '../../core/errors.js';
import { keyFingerprint } from './fingerprint.js';
import { EXTENSIONS, OpensslPki } from './testing/openssl-pki.js';
import type { IssuedCert, KeyPair } from './testing/openssl-pki.js';
import { loadTrust } from './trust-store.js';

const isCode = (code: string) => (err: unknown) => hasCode(err, code);

describe('loading trust', () => {
  let pki: OpensslPki;
  let rsa: KeyPair;
  let ec: KeyPair;
  let ed: KeyPair;
  let root: IssuedCert;
  let leaf: IssuedCert;
  before(() => {
    pki = OpensslPki.create();
    rsa = pki.key('rsa', 'rsa');
    ec = pki.key('ec', 'ec');
    ed = pki.key('ed', 'ed25519');
    root = pki.root('root');
    leaf = pki.leaf('leaf', root);
  });
  after(() => pki.dispose());

  test('PUBLIC KEY, RSA PUBLIC KEY and CA CERTIFICATE blocks, several per file', () => {
    const pkcs1 = pki.file('rsa.pkcs1.pem');
    pki.openssl(['rsa', '-pubin', '-in', rsa.publicPath, '-RSAPublicKey_out', '-out', pkcs1]);
    const bundle = pki.write(
      'bundle.pem',
      `comment lines outside blocks are ignored\n${readFileSync(pkcs1, 'utf8')}${readFileSync(ec.publicPath, 'utf8')}${readFileSync(root.path, 'utf8')}`,
    );
    const store = loadTrust([bundle, ed.publicPath]);
    assert.deepEqual(
      store.keys.map((k) => k.fingerprint),
      [rsa, ec, ed].map((k) => keyFingerprint(k.publicKey)),
    );
    assert.deepEqual(store.keys.map((k) => k.source), [`${bundle}#1`, `${bundle}#2`, ed.publicPath]);
    assert.equal(store.authorities.length, 1);
    assert.ok(store.authorities[0]!.raw.equals(root.cert.raw));
  });

  test('a directory contributes its *.pem files, sorted, skipping other files and subdirectories', () => {
    const dir = pki.file('trust.d');
    mkdirSync(dir);
    mkdirSync(join(dir, 'nested.pem'));
    pki.write('trust.d/b-ec.pem', readFileSync(ec.publicPath));
    pki.write('trust.d/a-ed.pem', readFileSync(ed.publicPath));
    pki.write('trust.d/c-root.pem', readFileSync(root.path));
    pki.write('trust.d/README.txt', 'not PEM at all');
    pki.write('trust.d/leaf.crt', readFileSync(leaf.path)); // would be refused if it were read
    pki.write('trust.d/private.key', readFileSync(ec.privatePath)); // likewise
    const store = loadTrust([dir]);
    assert.deepEqual(store.keys.map((k) => k.fingerprint), [ed, ec].map((k) => keyFingerprint(k.publicKey)));
    assert.equal(store.authorities.length, 1);
  });

  test('a directory with a bad .pem is refused as a whole', () => {
    const dir = pki.file('bad.d');
    mkdirSync(dir);
    pki.write('bad.d/a.pem', readFileSync(ec.publicPath));
    pki.write('bad.d/b.pem', readFileSync(leaf.path));
    assert.throws(() => loadTrust([dir]), isCode('TRUST_INVALID'));
  });

  test('a leaf certificate as trust is TRUST_INVALID', () => {
    assert.throws(() => loadTrust([leaf.path]), isCode('TRUST_INVALID'));
    // The same root loads: the refusal is about the leaf, not the file format.
    assert.equal(loadTrust([root.path]).authorities.length, 1);
  });

  test('a CA flag without keyCertSign, or keyCertSign without the CA flag, is TRUST_INVALID', () => {
    const noCertSign = pki.root('no-certsign', {
      extensions: ['basicConstraints = critical,CA:true', 'keyUsage = critical,digitalSignature,cRLSign'],
    });
    const noCaFlag = pki.root('no-ca-flag', { extensions: ['keyUsage = critical,keyCertSign'] });
    const caFalse = pki.root('ca-false', { extensions: ['basicConstraints = critical,CA:false', 'keyUsage = keyCertSign'] });
    for (const cert of [noCertSign, noCaFlag, caFalse]) {
      assert.throws(() => loadTrust([cert.path]), isCode('TRUST_INVALID'), cert.path);
    }
    // Without a keyUsage extension the CA flag alone suffices.
    const bcOnly = pki.root('bc-only', { extensions: ['basicConstraints = critical,CA:true'] });
    assert.equal(loadTrust([bcOnly.path]).authorities.length, 1);
  });

  test('private keys in trust files are TRUST_INVALID, alone or next to public blocks', () => {
    const traditional = pki.file('ec-traditional.pem');
    pki.openssl(['ec', '-in', ec.privatePath, '-out', traditional]);
    assert.match(readFileSync(traditional, 'utf8'), /BEGIN EC PRIVATE KEY/);
    const mixed = pki.write('mixed.pem', `${readFileSync(ed.publicPath, 'utf8')}${readFileSync(ed.privatePath, 'utf8')}`);
    const encrypted = pki.file('encrypted.pem');
    pki.openssl(['pkey', '-in', ec.privatePath, '-aes-256-cbc', '-passout', 'pass:secret', '-out', encrypted]);
    for (const path of [rsa.privatePath, ed.privatePath, traditional, mixed, encrypted]) {
      // Unknown blocks are refused anyway; the message is the point of this check, so it is asserted too.
      assert.throws(() => loadTrust([path]), (err) => isCode('TRUST_INVALID')(err) && /private key/.test(String(err)), path);
    }
  });

  test('missing paths are TRUST_NOT_FOUND', () => {
    assert.throws(() => loadTrust([pki.file('absent.pem')]), isCode('TRUST_NOT_FOUND'));
    assert.throws(() => loadTrust([ec.publicPath, pki.file('absent.d')]), isCode('TRUST_NOT_FOUND'));
  });

  test('nothing usable is TRUST_INVALID', () => {
    const emptyDir = pki.file('empty.d');
    mkdirSync(emptyDir);
    pki.write('empty.d/notes.txt', 'no pem here');
    const cases = [
      [emptyDir],
      [pki.write('empty.pem', '')],
      [pki.write('text.pem', 'hello\n')],
      [pki.write('garbage.pem', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n')],
      [pki.write('badb64.pem', '-----BEGIN PUBLIC KEY-----\nMF!!kwEwYHKoZIzj0CAQYI\n-----END PUBLIC KEY-----\n')],
      [pki.write('crl.pem', '-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n')],
      // A real key body under mismatched markers, and one with characters base64 decoders skip.
      [pki.write('spliced.pem', readFileSync(ec.publicPath, 'utf8').replace('END PUBLIC KEY', 'END CERTIFICATE'))],
      [pki.write('junk-b64.pem', readFileSync(ec.publicPath, 'utf8').replace(/\n(.{8})/, '\n$1*!'))],
      [],
    ];
    for (const paths of cases) assert.throws(() => loadTrust(paths), isCode('TRUST_INVALID'), paths.join());
  });

  test('refused key types are TRUST_INVALID, as keys and as CA keys', () => {
    for (const kind of ['rsa1024', 'ed448', 'p521'] as const) {
      const key = pki.key(`weak-${kind}`, kind);
      assert.throws(() => loadTrust([key.publicPath]), isCode('TRUST_INVALID'), kind);
    }
    const weakRoot = pki.root('weak-root', { key: 'rsa1024', extensions: EXTENSIONS.root });
    assert.throws(() => loadTrust([weakRoot.path]), isCode('TRUST_INVALID'));
  });
});
