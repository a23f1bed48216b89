import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { hasCode } from '../core/errors.js';
import { packBundle } from './archive/index.js';
import { decodeWrit, encodeWrit } from './container.js';
import { newSigner, sealTest, trustKeys, verifyOptionsFor } from './testing/writs.js';
import { signDetached } from './trust/index.js';
import { verifyWrit, type VerifyOptions } from './verify.js';
import { keyFingerprint } from './trust/index.js';
import { createPublicKey } from 'node:crypto';

const root = mkdtempSync(join(tmpdir(), 'writ-verify-'));
after(() => {
  rmSync(root, { recursive: true, force: true });
});
let n = 0;
const freshStore = (): string => join(root, `replay-${n++}`);
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const identity = <T>(v: T): T => v;

const signer = newSigner();
const trusted = trustKeys(signer.publicKey);

async function rejects(writBytes: Uint8Array, options: VerifyOptions, code: string): Promise<void> {
  await assert.rejects(verifyWrit(decodeWrit(writBytes, 1 << 30), options, identity), (err: unknown) => hasCode(err, code), code);
}

describe('verifyWrit: each check in order, each with its code', () => {
  test('a sealed writ verifies: signer, manifest, layout, inputs', async () => {
    const sealed = await sealTest(signer.privateKey, { inputs: new Map([['data.csv', enc('a,b')]]), audience: ['web1'] });
    const { writ } = await verifyWrit(decodeWrit(sealed.writ, 1 << 30), verifyOptionsFor(trusted, freshStore()), identity);
    assert.equal(writ.signer.kind, 'key');
    assert.equal(writ.signer.fingerprint, keyFingerprint(signer.publicKey));
    assert.equal(writ.manifest?.id, sealed.manifest.id);
    assert.equal(writ.entry, 'script.js');
    assert.deepEqual([...writ.inputs.keys()], ['data.csv']);
  });

  test('SIGNATURE_INVALID: the bundle changed after signing', async () => {
    const sealed = await sealTest(signer.privateKey);
    const other = await sealTest(signer.privateKey);
    const swapped = encodeWrit({ bundle: other.bundle, signature: sealed.signature, signerKeyDer: createPublicKey(signer.privateKey).export({ format: 'der', type: 'spki' }) });
    await rejects(swapped, verifyOptionsFor(trusted, freshStore()), 'SIGNATURE_INVALID');
  });

  test('UNTRUSTED_SIGNER: a valid signature by a key the host does not trust', async () => {
    const stranger = newSigner();
    await rejects((await sealTest(stranger.privateKey)).writ, verifyOptionsFor(trusted, freshStore()), 'UNTRUSTED_SIGNER');
  });

  test('REVOKED: the signer key is on the revocation list', async () => {
    const options = verifyOptionsFor(trusted, freshStore(), { revocations: { keys: new Set([keyFingerprint(signer.publicKey)]), serials: new Set() } });
    await rejects((await sealTest(signer.privateKey)).writ, options, 'REVOKED');
  });

  test('EXPIRED and NOT_YET_VALID, with the clock skew honoured on both sides', async () => {
    const now = Date.now();
    const expired = await sealTest(signer.privateKey, { now: new Date(now - 7_200_000), expiresInMs: 3_600_000 });
    await rejects(expired.writ, verifyOptionsFor(trusted, freshStore()), 'EXPIRED');
    const future = await sealTest(signer.privateKey, { notBefore: new Date(now + 3_600_000) });
    await rejects(future.writ, verifyOptionsFor(trusted, freshStore()), 'NOT_YET_VALID');
    // 30 s past expiry is inside a 60 s skew; 90 s is not.
    const justExpired = await sealTest(signer.privateKey, { now: new Date(now - 60_000), expiresInMs: 30_000 });
    await verifyWrit(decodeWrit(justExpired.writ, 1 << 30), verifyOptionsFor(trusted, freshStore()), identity);
    await rejects(justExpired.writ, verifyOptionsFor(trusted, freshStore(), { clockSkewMs: 10_000 }), 'EXPIRED');
    const soon = await sealTest(signer.privateKey, { notBefore: new Date(now + 30_000) });
    await verifyWrit(decodeWrit(soon.writ, 1 << 30), verifyOptionsFor(trusted, freshStore()), identity);
  });

  test('WRONG_AUDIENCE: another host name or tag; host names ignore case, tags match exactly', async () => {
    await rejects((await sealTest(signer.privateKey, { audience: ['db1', 'tag:staging'] })).writ, verifyOptionsFor(trusted, freshStore()), 'WRONG_AUDIENCE');
    await verifyWrit(decodeWrit((await sealTest(signer.privateKey, { audience: ['WEB1'] })).writ, 1 << 30), verifyOptionsFor(trusted, freshStore()), identity);
    await verifyWrit(decodeWrit((await sealTest(signer.privateKey, { audience: ['tag:prod'] })).writ, 1 << 30), verifyOptionsFor(trusted, freshStore()), identity);
    await rejects((await sealTest(signer.privateKey, { audience: ['tag:PROD'] })).writ, verifyOptionsFor(trusted, freshStore()), 'WRONG_AUDIENCE');
  });

  test('REPLAYED: a writ runs once per host; check mode reports without recording', async () => {
    const store = freshStore();
    const sealed = await sealTest(signer.privateKey);
    await verifyWrit(decodeWrit(sealed.writ, 1 << 30), verifyOptionsFor(trusted, store, { replayMode: 'check' }), identity);
    await verifyWrit(decodeWrit(sealed.writ, 1 << 30), verifyOptionsFor(trusted, store), identity);
    await rejects(sealed.writ, verifyOptionsFor(trusted, store), 'REPLAYED');
    await rejects(sealed.writ, verifyOptionsFor(trusted, store, { replayMode: 'check' }), 'REPLAYED');
    // Another store (another host) has not seen it.
    await verifyWrit(decodeWrit(sealed.writ, 1 << 30), verifyOptionsFor(trusted, freshStore()), identity);
  });

  test('REPLAYED for manifest-less bundles by digest, unless re-runs are allowed', async () => {
    const store = freshStore();
    const bundle = await packBundle(new Map([['script.js', enc('1')], ['policy.cedar', enc('permit(principal, action, resource);')]]));
    const writ = encodeWrit({ bundle, signature: signDetached(bundle, signer.privateKey) });
    await verifyWrit(decodeWrit(writ, 1 << 30), verifyOptionsFor(trusted, store), identity);
    await rejects(writ, verifyOptionsFor(trusted, store), 'REPLAYED');
    await verifyWrit(decodeWrit(writ, 1 << 30), verifyOptionsFor(trusted, store, { allowRerun: true }), identity);
  });

  test('a writ refused by prepare() (e.g. an invalid policy) keeps its nonce', async () => {
    const store = freshStore();
    const sealed = await sealTest(signer.privateKey);
    const refuse = (): never => {
      throw new Error('contents refused');
    };
    await assert.rejects(verifyWrit(decodeWrit(sealed.writ, 1 << 30), verifyOptionsFor(trusted, store), refuse), /contents refused/);
    await verifyWrit(decodeWrit(sealed.writ, 1 << 30), verifyOptionsFor(trusted, store), identity);
  });

  test('TOO_LARGE before the signature is even looked at', async () => {
    const sealed = await sealTest(signer.privateKey);
    await rejects(sealed.writ, verifyOptionsFor(trusted, freshStore(), { maxBundleBytes: sealed.bundle.length - 1 }), 'TOO_LARGE');
    assert.throws(() => decodeWrit(sealed.writ, sealed.writ.length - 1), (e: unknown) => hasCode(e, 'TOO_LARGE'));
  });

  test('LANGUAGE_UNSUPPORTED: a signed Rhai bundle is recognised and refused', async () => {
    const bundle = await packBundle(new Map([['script.rhai', enc('let x = 1;')], ['policy.cedar', enc('permit(principal, action, resource);')]]));
    await rejects(encodeWrit({ bundle, signature: signDetached(bundle, signer.privateKey) }), verifyOptionsFor(trusted, freshStore()), 'LANGUAGE_UNSUPPORTED');
  });

  test('MALFORMED contents, found only after the signature verified', async () => {
    const cases: [string, Map<string, Uint8Array>][] = [
      ['no policy', new Map([['script.js', enc('1')]])],
      ['two scripts', new Map([['a.js', enc('1')], ['b.js', enc('2')], ['policy.cedar', enc('')]])],
      ['stray file', new Map([['script.js', enc('1')], ['policy.cedar', enc('')], ['notes.txt', enc('x')]])],
      ['bad manifest', new Map([['script.js', enc('1')], ['policy.cedar', enc('')], ['manifest.json', enc('{"formatVersion":1}')]])],
    ];
    for (const [name, files] of cases) {
      const bundle = await packBundle(files);
      await assert.rejects(
        verifyWrit(decodeWrit(encodeWrit({ bundle, signature: signDetached(bundle, signer.privateKey) }), 1 << 30), verifyOptionsFor(trusted, freshStore()), identity),
        (e: unknown) => hasCode(e, 'MALFORMED'),
        name,
      );
    }
  });
});
