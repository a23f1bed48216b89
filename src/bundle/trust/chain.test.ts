import assert from 'node:assert/strict';
import type { X509Certificate } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { hasCode } from '../../core/errors.js';
import { MAX_PATH_LENGTH, verifyChain } from './chain.js';
import { EXTENSIONS, OpensslPki } from './testing/openssl-pki.js';
import type { IssuedCert } from './testing/openssl-pki.js';

const SKEW = 5 * 60_000;
const DAY = 86_400_000;
const untrusted = (err: unknown): boolean => hasCode(err, 'UNTRUSTED_SIGNER');

/** Leaf extensions with one line replaced (or dropped when `line` is undefined). */
function leafWith(prefix: string, line?: string): string[] {
  const rest = EXTENSIONS.leaf.filter((l) => !l.startsWith(prefix));
  return line === undefined ? rest : [...rest, line];
}

describe('certificate chains', () => {
  let pki: OpensslPki;
  const now = new Date();
  let root: IssuedCert;
  let inter: IssuedCert;
  let leaf: IssuedCert;
  let directLeaf: IssuedCert;

  const ders = (path: readonly X509Certificate[]): string[] => path.map((c) => c.fingerprint256);
  const accepts = (chain: readonly IssuedCert[], authorities: readonly IssuedCert[], at = now, skew = SKEW) =>
    verifyChain(chain.map((c) => c.cert), authorities.map((c) => c.cert), at, skew);
  const refuses = (chain: readonly IssuedCert[], authorities: readonly IssuedCert[], at = now, skew = SKEW): void => {
    assert.throws(() => accepts(chain, authorities, at, skew), untrusted);
  };

  before(() => {
    pki = OpensslPki.create();
    root = pki.root('root', { key: 'rsa' });
    inter = pki.intermediate('inter', root);
    leaf = pki.leaf('leaf', inter);
    directLeaf = pki.leaf('direct-leaf', root);
  });
  after(() => pki.dispose());

  test('leaf -> root', () => {
    assert.deepEqual(ders(accepts([directLeaf], [root])), ders([directLeaf.cert, root.cert]));
  });

  test('leaf -> intermediate -> root, intermediates in any order, root carried or not', () => {
    const expected = ders([leaf.cert, inter.cert, root.cert]);
    assert.deepEqual(ders(accepts([leaf, inter], [root])), expected);
    assert.deepEqual(ders(accepts([leaf, root, inter], [root])), expected);
    assert.deepEqual(ders(accepts([leaf, inter, inter, directLeaf], [root])), expected);
    // A trusted intermediate is an anchor by itself.
    assert.deepEqual(ders(accepts([leaf], [inter])), ders([leaf.cert, inter.cert]));
  });

  test('mixed key types: RSA root, Ed25519 intermediate, P-384 leaf', () => {
    const edInter = pki.intermediate('ed-inter', root, { key: 'ed25519' });
    const p384Leaf = pki.leaf('p384-leaf', edInter, { key: 'ec384' });
    assert.equal(accepts([p384Leaf, edInter], [root]).length, 3);
  });

  test('wrong CA, missing intermediate, no CA at all', () => {
    const otherRoot = pki.root('other-root');
    refuses([leaf, inter], [otherRoot]);
    refuses([leaf], [root]);
    refuses([leaf, inter], []);
    refuses([], [root]);
  });

  test('expired leaf, intermediate or root', () => {
    const past = { notBefore: new Date(now.getTime() - 60 * DAY), notAfter: new Date(now.getTime() - 30 * DAY) };
    refuses([pki.leaf('expired-leaf', inter, past)], [inter]);
    const expiredInter = pki.intermediate('expired-inter', root, past);
    refuses([pki.leaf('under-expired-inter', expiredInter), expiredInter], [root]);
    const expiredRoot = pki.root('expired-root', past);
    const underExpiredRoot = pki.intermediate('under-expired-root', expiredRoot);
    refuses([pki.leaf('leaf-under-expired-root', underExpiredRoot), underExpiredRoot], [expiredRoot]);
    // The same certificates are fine at a time when they were valid.
    const then = new Date(now.getTime() - 45 * DAY);
    const oldRoot = pki.root('old-root', past);
    const oldLeaf = pki.leaf('old-leaf', oldRoot, past);
    assert.equal(accepts([oldLeaf], [oldRoot], then).length, 2);
    refuses([oldLeaf], [oldRoot]);
  });

  test('not yet valid leaf or intermediate; clock skew is allowed, but only that much', () => {
    const future = { notBefore: new Date(now.getTime() + DAY), notAfter: new Date(now.getTime() + 30 * DAY) };
    refuses([pki.leaf('future-leaf', inter, future)], [inter]);
    const futureInter = pki.intermediate('future-inter', root, future);
    refuses([pki.leaf('under-future-inter', futureInter), futureInter], [root]);
    const soon = pki.leaf('soon-leaf', inter, { notBefore: new Date(now.getTime() + 2 * 60_000) });
    assert.equal(accepts([soon], [inter], now, SKEW).length, 2);
    refuses([soon], [inter], now, 0);
    const justExpired = pki.leaf('just-expired', inter, {
      notBefore: new Date(now.getTime() - DAY),
      notAfter: new Date(now.getTime() - 2 * 60_000),
    });
    assert.equal(accepts([justExpired], [inter], now, SKEW).length, 2);
    refuses([justExpired], [inter], now, 0);
    // A NaN or negative skew would make every date comparison false, i.e. accept any date.
    refuses([justExpired], [inter], now, Number.NaN);
    refuses([pki.leaf('valid-now', inter)], [inter], now, -1);
  });

  test('a CA certificate cannot be the signing leaf', () => {
    const caLeaf = pki.leaf('ca-leaf', inter, {
      extensions: leafWith('basicConstraints', 'basicConstraints = critical,CA:true'),
    });
    refuses([caLeaf], [inter]);
  });

  test('a non-CA certificate the chain carries cannot act as issuer', () => {
    // No keyUsage, so OpenSSL's checkIssued accepts the link and only writ's CA check stands in the way.
    for (const [name, extensions] of [
      ['ca-false', ['basicConstraints = critical,CA:false', 'extendedKeyUsage = codeSigning']],
      ['no-bc', ['extendedKeyUsage = codeSigning']],
      ['ku-no-certsign', ['basicConstraints = critical,CA:false', 'keyUsage = critical,digitalSignature']],
    ] as const) {
      const fakeCa = pki.issue(`fake-ca-${name}`, root, { extensions });
      const minted = pki.leaf(`minted-${name}`, fakeCa);
      assert.equal(minted.cert.verify(fakeCa.cert.publicKey), true);
      refuses([minted, fakeCa], [root]);
      // Not even when it is (wrongly) given as an authority.
      refuses([minted], [fakeCa]);
    }
    const noKu = pki.issue('fake-ca-probe', root, { extensions: ['basicConstraints = critical,CA:false'] });
    assert.equal(pki.leaf('probe', noKu).cert.checkIssued(noKu.cert), true);
  });

  test('leaf keyUsage must include digitalSignature when present', () => {
    refuses([pki.leaf('ku-encipher', inter, { extensions: leafWith('keyUsage', 'keyUsage = critical,keyEncipherment') })], [inter]);
    assert.equal(accepts([pki.leaf('ku-absent', inter, { extensions: leafWith('keyUsage') })], [inter]).length, 2);
  });

  test('leaf extendedKeyUsage must allow code signing when present', () => {
    refuses([pki.leaf('eku-server', inter, { extensions: leafWith('extendedKeyUsage', 'extendedKeyUsage = serverAuth') })], [inter]);
    const anyEku = pki.leaf('eku-any', inter, { extensions: leafWith('extendedKeyUsage', 'extendedKeyUsage = anyExtendedKeyUsage') });
    assert.equal(accepts([anyEku], [inter]).length, 2);
    assert.equal(accepts([pki.leaf('eku-absent', inter, { extensions: leafWith('extendedKeyUsage') })], [inter]).length, 2);
  });

  test('pathLenConstraint of the anchor and of intermediates', () => {
    const root0 = pki.root('root-pathlen0', {
      extensions: ['basicConstraints = critical,CA:true,pathlen:0', 'keyUsage = critical,keyCertSign,cRLSign'],
    });
    const under0 = pki.intermediate('under-root0', root0);
    refuses([pki.leaf('leaf-root0', under0), under0], [root0]);
    assert.equal(accepts([pki.leaf('direct-root0', root0)], [root0]).length, 2);

    const inter0 = pki.intermediate('inter-pathlen0', root, { pathLen: 0 });
    const under = pki.intermediate('under-inter0', inter0);
    refuses([pki.leaf('leaf-inter0', under), under, inter0], [root]);
    const inter1 = pki.intermediate('inter-pathlen1', root, { pathLen: 1 });
    const under1 = pki.intermediate('under-inter1', inter1);
    assert.equal(accepts([pki.leaf('leaf-inter1', under1), under1, inter1], [root]).length, 4);
  });

  test('names match but another key signed: a forged issuer is refused', () => {
    // Same subject and key type as the trusted root (OpenSSL's checkIssued also matches the signature
    // algorithm to the issuer's key type), different key, no key identifiers: only the signature differs.
    const forgedRoot = pki.root('forged-root', { cn: 'root', key: 'rsa' });
    const noIds = ['subjectKeyIdentifier = none', 'authorityKeyIdentifier = none'];
    const forgedLeaf = pki.leaf('forged-leaf', forgedRoot, {
      extensions: [...leafWith('subjectKeyIdentifier').filter((l) => !l.startsWith('authorityKeyIdentifier')), ...noIds],
    });
    assert.equal(forgedLeaf.cert.checkIssued(root.cert), true);
    refuses([forgedLeaf], [root]);
    refuses([forgedLeaf, forgedRoot], [root]);

    // The same with a forged intermediate carrying the real intermediate's name.
    const forgedInter = pki.issue('forged-inter', forgedRoot, {
      cn: 'inter',
      extensions: ['basicConstraints = critical,CA:true', 'keyUsage = critical,keyCertSign', ...noIds],
    });
    const fakeLeaf = pki.leaf('fake-leaf', forgedInter, {
      extensions: [...leafWith('subjectKeyIdentifier').filter((l) => !l.startsWith('authorityKeyIdentifier')), ...noIds],
    });
    refuses([fakeLeaf, forgedInter], [root]);
  });

  test(`paths longer than ${MAX_PATH_LENGTH} certificates are refused`, () => {
    const longRoot = pki.root('long-root');
    const cas: IssuedCert[] = []; // nearest the root first
    let issuer = longRoot;
    for (let i = 0; i < MAX_PATH_LENGTH - 1; i++) {
      issuer = pki.intermediate(`long-${i}`, issuer);
      cas.push(issuer);
    }
    // Leaf + 4 intermediates + root = 6 certificates: accepted.
    const four = cas.slice(0, 4);
    assert.equal(accepts([pki.leaf('long-leaf-6', four[3]!), ...four.reverse()], [longRoot]).length, MAX_PATH_LENGTH);
    // Leaf + 5 intermediates + root = 7: refused, whether the chain carries 6 or 7 certificates.
    const leaf7 = pki.leaf('long-leaf-7', cas[4]!);
    refuses([leaf7, ...[...cas].reverse()], [longRoot]);
    refuses([leaf7, ...[...cas].reverse(), longRoot], [longRoot]);
    // The chain size is bounded up front, even when a short path exists inside it.
    assert.equal(accepts([leaf, inter, ...cas.slice(0, 4)], [root]).length, 3);
    refuses([leaf, inter, ...cas], [root]);
  });

  test('unprocessed critical extensions, weak keys and SHA-1 signatures are refused', () => {
    const constrained = pki.intermediate('name-constrained', root, {
      extensions: [...EXTENSIONS.intermediate(), 'nameConstraints = critical,permitted;DNS:example.com'],
    });
    refuses([pki.leaf('under-constrained', constrained), constrained], [root]);
    const weakLeaf = pki.leaf('weak-leaf', inter, { key: 'rsa1024' });
    refuses([weakLeaf], [inter]);
    const weakInter = pki.intermediate('weak-inter', root, { key: 'rsa1024' });
    refuses([pki.leaf('under-weak-inter', weakInter), weakInter], [root]);
    const sha1Inter = pki.intermediate('sha1-inter', root, { md: 'sha1' });
    refuses([pki.leaf('under-sha1-inter', sha1Inter), sha1Inter], [root]);
    // Control: the same shape with SHA-256 is accepted.
    const okInter = pki.intermediate('sha256-inter', root);
    assert.equal(accepts([pki.leaf('under-sha256-inter', okInter), okInter], [root]).length, 3);
  });

  test('an untrusted self-signed root in the chain does not loop', () => {
    const stray = pki.root('stray-root');
    refuses([pki.leaf('stray-leaf', stray), stray, stray], [root]);
  });
});
