/**
 * Tamper test: every byte of a sealed writ (bundle, signature, signer certificate chain, container
 * framing) is changed in turn, and every changed writ must be refused. A verifier that skipped any
 * check, or a container with a byte nobody looks at, would let one through.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BundleError, decodeWrit, sealWrit, verifyWrit, type SealedOutput, type VerifyOptions } from '../../src/bundle/index.js';
import { newSigner, sealTest, trustKeys, verifyOptionsFor } from '../../src/bundle/testing/writs.js';
import { OpensslPki, type IssuedCert } from '../../src/bundle/trust/testing/openssl-pki.js';
import { tempDir } from '../support/temp.js';

const store = tempDir('writ-tamper-');
const pki = OpensslPki.create();
after(() => {
  store[Symbol.dispose]();
  pki.dispose();
});

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const REFUSAL_CODES = new Set(['MALFORMED', 'SIGNATURE_INVALID', 'UNTRUSTED_SIGNER', 'TOO_LARGE']);
const identity = <T>(v: T): T => v;
/** Above this size, 5,000 sampled positions stand in for every byte. */
const EXHAUSTIVE_LIMIT = 5000;

function positions(length: number, seed: number): number[] {
  if (length <= EXHAUSTIVE_LIMIT) return Array.from({ length }, (_, i) => i);
  // A fixed-seed LCG keeps failures reproducible while still spreading over the whole file.
  let x = seed;
  return Array.from({ length: EXHAUSTIVE_LIMIT }, () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x % length;
  });
}

/** Flips one bit per position (a different bit each time); every variant must be refused. */
async function assertEveryFlipRefused(writ: Uint8Array, options: VerifyOptions): Promise<{ tried: number; codes: Map<string, number> }> {
  const codes = new Map<string, number>();
  const list = positions(writ.length, 7);
  for (const [n, at] of list.entries()) {
    const flipped = Uint8Array.from(writ);
    flipped[at] = (flipped[at] ?? 0) ^ (1 << (n % 8));
    try {
      await verifyWrit(decodeWrit(flipped, 1 << 30), options, identity);
    } catch (err) {
      assert.ok(err instanceof BundleError, `byte ${at}: untyped error ${String(err)}`);
      assert.ok(REFUSAL_CODES.has(err.code), `byte ${at}: unexpected code ${err.code}`);
      codes.set(err.code, (codes.get(err.code) ?? 0) + 1);
      continue;
    }
    assert.fail(`byte ${at} of ${writ.length} was changed and the writ still verified`);
  }
  return { tried: list.length, codes };
}

describe('tamper: every changed byte is refused', () => {
  let chainWrit: SealedOutput;
  let root: IssuedCert;

  before(async () => {
    root = pki.root('root');
    const intermediate = pki.intermediate('intermediate', root);
    const leaf = pki.leaf('signer', intermediate);
    chainWrit = await sealWrit({
      script: { name: 'script.js', bytes: enc('fs.read("/etc/hostname")') },
      policy: enc('permit(principal, action, resource);'),
      inputs: new Map([['data', enc('x'.repeat(100))]]),
      privateKey: leaf.key.privateKey,
      chainDer: [new Uint8Array(leaf.cert.raw), new Uint8Array(intermediate.cert.raw)],
      now: new Date(),
      expiresInMs: 3_600_000,
      audience: [],
      limits: {},
    });
  });

  test('a writ signed by a pinned key: every byte', async () => {
    const signer = newSigner();
    const sealed = await sealTest(signer.privateKey);
    const options = verifyOptionsFor(trustKeys(signer.publicKey), store.path, { replayMode: 'check' });
    // Control: the untouched writ verifies, so refusals below are due to the flips.
    await verifyWrit(decodeWrit(sealed.writ, 1 << 30), options, identity);
    const { tried, codes } = await assertEveryFlipRefused(sealed.writ, options);
    assert.equal(tried, sealed.writ.length);
    assert.ok((codes.get('SIGNATURE_INVALID') ?? 0) > 0 && (codes.get('MALFORMED') ?? 0) > 0);
  });

  test('a writ carrying a certificate chain to a trusted CA: every byte, certificate included', async () => {
    const options = verifyOptionsFor({ keys: [], authorities: [root.cert] }, store.path, { replayMode: 'check' });
    const { writ } = await verifyWrit(decodeWrit(chainWrit.writ, 1 << 30), options, identity);
    assert.equal(writ.signer.kind, 'certificate');
    const { tried, codes } = await assertEveryFlipRefused(chainWrit.writ, options);
    assert.equal(tried, chainWrit.writ.length);
    // Flips inside the certificates are caught by the chain check, not only by the parser.
    assert.ok((codes.get('UNTRUSTED_SIGNER') ?? 0) > 0, JSON.stringify([...codes]));
  });

  test('a 1 MB writ: 5,000 sampled bytes', async () => {
    const signer = newSigner();
    const noise = Uint8Array.from({ length: 1 << 20 }, (_, i) => (Math.imul(i, 2654435761) >>> 24) & 0xff);
    const sealed = await sealTest(signer.privateKey, { inputs: new Map([['noise.bin', noise]]) });
    const options = verifyOptionsFor(trustKeys(signer.publicKey), store.path, { replayMode: 'check' });
    await verifyWrit(decodeWrit(sealed.writ, 1 << 30), options, identity);
    const { tried } = await assertEveryFlipRefused(sealed.writ, options);
    assert.equal(tried, EXHAUSTIVE_LIMIT);
  });
});
