import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { hasCode } from '../../core/errors.js';
import { authenticate } from './authenticate.js';
import type { AuthenticateInput } from './authenticate.js';
import { certSerial, keyFingerprint } from './fingerprint.js';
import { EMPTY_REVOCATIONS, loadRevocationList } from './revocation.js';
import type { RevocationList } from './revocation.js';
import { OpensslPki, flipBit } from './testing/openssl-pki.js';
import type { IssuedCert, KeyPair } from './testing/openssl-pki.js';
import { loadTrust } from './trust-store.js';
import type { TrustStore } from './trust-store.js';

const SKEW = 5 * 60_000;
const isCode = (code: string) => (err: unknown) => hasCode(err, code);

describe('authenticate', () => {
  let pki: OpensslPki;
  const now = new Date();
  let data: Uint8Array;
  let dataPath: string;
  let rsa: KeyPair;
  let ec: KeyPair;
  let ed: KeyPair;
  let stranger: KeyPair;
  let keysOnly: TrustStore;
  let root: IssuedCert;
  let inter: IssuedCert;
  let leaf: IssuedCert;
  let caTrust: TrustStore;

  const revoking = (name: string, lines: readonly string[]): RevocationList =>
    loadRevocationList(pki.write(`${name}.revoked`, `${lines.join('\n')}\n`));
  const run = (input: AuthenticateInput, trust: TrustStore, revocations: RevocationList = EMPTY_REVOCATIONS) =>
    authenticate(input, trust, revocations, now, SKEW);

  before(() => {
    pki = OpensslPki.create();
    data = randomBytes(2048);
    dataPath = pki.write('bundle.tar.gz', data);
    rsa = pki.key('rsa', 'rsa');
    ec = pki.key('ec', 'ec');
    ed = pki.key('ed', 'ed25519');
    stranger = pki.key('stranger', 'ec');
    keysOnly = loadTrust([rsa.publicPath, ec.publicPath, ed.publicPath]);
    root = pki.root('root');
    inter = pki.intermediate('inter', root);
    leaf = pki.leaf('leaf', inter, { key: 'rsa', serial: '00c0ffee' });
    caTrust = loadTrust([root.path, rsa.publicPath]);
  });
  after(() => pki.dispose());

  describe('detached signature, no signer named (openssl dgst flow)', () => {
    test('finds the trusted key among several, for every key type', () => {
      for (const key of [rsa, ec, ed]) {
        const identity = run({ data, signature: pki.sign(key, dataPath) }, keysOnly);
        assert.deepEqual(identity, { kind: 'key', fingerprint: keyFingerprint(key.publicKey) });
      }
    });

    test('a one-bit change to data or signature is SIGNATURE_INVALID', () => {
      const signature = pki.sign(ed, dataPath);
      assert.throws(() => run({ data: flipBit(data, 77), signature }, keysOnly), isCode('SIGNATURE_INVALID'));
      assert.throws(() => run({ data, signature: flipBit(signature, 5) }, keysOnly), isCode('SIGNATURE_INVALID'));
    });

    test('a signature by an untrusted key, or no trusted keys at all, is SIGNATURE_INVALID', () => {
      assert.throws(() => run({ data, signature: pki.sign(stranger, dataPath) }, keysOnly), isCode('SIGNATURE_INVALID'));
      assert.throws(() => run({ data, signature: pki.sign(ec, dataPath) }, caTrust), isCode('SIGNATURE_INVALID'));
    });

    test('a revoked key is REVOKED even though it verifies and is trusted', () => {
      const revocations = revoking('detached', [keyFingerprint(ec.publicKey)]);
      assert.throws(() => run({ data, signature: pki.sign(ec, dataPath) }, keysOnly, revocations), isCode('REVOKED'));
      assert.equal(run({ data, signature: pki.sign(ed, dataPath) }, keysOnly, revocations).kind, 'key');
    });
  });

  describe('named signer key', () => {
    test('a trusted signer key is accepted', () => {
      const identity = run({ data, signature: pki.sign(ec, dataPath), signerKey: ec.publicKey }, keysOnly);
      assert.deepEqual(identity, { kind: 'key', fingerprint: keyFingerprint(ec.publicKey) });
    });

    test('a valid signature by an untrusted signer key is UNTRUSTED_SIGNER', () => {
      const input = { data, signature: pki.sign(stranger, dataPath), signerKey: stranger.publicKey };
      assert.throws(() => run(input, keysOnly), isCode('UNTRUSTED_SIGNER'));
    });

    test('a signature that does not match the named key is SIGNATURE_INVALID', () => {
      const input = { data, signature: pki.sign(ed, dataPath), signerKey: ec.publicKey };
      assert.throws(() => run(input, keysOnly), isCode('SIGNATURE_INVALID'));
    });

    test('a revoked signer key is REVOKED', () => {
      const input = { data, signature: pki.sign(rsa, dataPath), signerKey: rsa.publicKey };
      assert.throws(() => run(input, keysOnly, revoking('named', [keyFingerprint(rsa.publicKey)])), isCode('REVOKED'));
    });
  });

  describe('certificate chain', () => {
    test('leaf -> intermediate -> root identifies the leaf and the anchor', () => {
      const identity = run({ data, signature: pki.sign(leaf.key, dataPath), chain: [leaf.cert, inter.cert] }, caTrust);
      assert.deepEqual(identity, {
        kind: 'certificate',
        fingerprint: keyFingerprint(leaf.key.publicKey),
        subject: 'CN=leaf',
        serial: 'C0FFEE',
        anchor: 'CN=root',
      });
    });

    test('the signature must be by the leaf key', () => {
      const input = { data, signature: pki.sign(rsa, dataPath), chain: [leaf.cert, inter.cert] };
      assert.throws(() => run(input, caTrust), isCode('SIGNATURE_INVALID'));
    });

    test('no CA trusted, or the wrong CA, is UNTRUSTED_SIGNER', () => {
      const input = { data, signature: pki.sign(leaf.key, dataPath), chain: [leaf.cert, inter.cert] };
      assert.throws(() => run(input, keysOnly), isCode('UNTRUSTED_SIGNER'));
      assert.throws(() => run(input, loadTrust([pki.root('other-root').path])), isCode('UNTRUSTED_SIGNER'));
    });

    test('revoked leaf serial, intermediate serial, anchor serial or any key on the path is REVOKED', () => {
      const input = { data, signature: pki.sign(leaf.key, dataPath), chain: [leaf.cert, inter.cert] };
      const cases: [string, string][] = [
        ['leaf-serial', 'serial:00:C0:FF:EE'],
        ['inter-serial', `serial:${certSerial(inter.cert).toLowerCase()}`],
        ['root-serial', `serial:${certSerial(root.cert)}`],
        ['leaf-key', keyFingerprint(leaf.key.publicKey)],
        ['inter-key', keyFingerprint(inter.key.publicKey)],
        ['root-key', keyFingerprint(root.key.publicKey)],
      ];
      for (const [name, line] of cases) {
        assert.throws(() => run(input, caTrust, revoking(name, [line])), isCode('REVOKED'), name);
      }
      // Unrelated entries revoke nothing.
      const unrelated = revoking('unrelated', ['serial:0BAD', keyFingerprint(stranger.publicKey)]);
      assert.equal(run(input, caTrust, unrelated).kind, 'certificate');
    });

    test('an empty chain, or a chain and a signer key together, is MALFORMED', () => {
      const signature = pki.sign(leaf.key, dataPath);
      assert.throws(() => run({ data, signature, chain: [] }, caTrust), isCode('MALFORMED'));
      const both = { data, signature, chain: [leaf.cert, inter.cert], signerKey: leaf.key.publicKey };
      assert.throws(() => run(both, caTrust), isCode('MALFORMED'));
    });
  });
});
