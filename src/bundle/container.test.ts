import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { hasCode } from '../core/errors.js';
import { BundleError } from './errors.js';
import { WRIT_MAGIC, decodeWrit, encodeWrit, isWritFile } from './container.js';

const keyDer = new Uint8Array(generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }));
const sample = encodeWrit({ bundle: new Uint8Array([1, 2, 3]), signature: new Uint8Array(64).fill(7), signerKeyDer: keyDer });
const BIG = 1 << 20;

const malformed = (bytes: Uint8Array): void => {
  assert.throws(() => decodeWrit(bytes, BIG), (e: unknown) => hasCode(e, 'MALFORMED'));
};

test('round trip: bundle, signature and signer key come back byte for byte', () => {
  const w = decodeWrit(sample, BIG);
  assert.deepEqual([...w.bundle], [1, 2, 3]);
  assert.equal(w.signature.length, 64);
  assert.ok(w.signerKey);
  assert.equal(w.chain, undefined);
  assert.ok(isWritFile(sample));
});

test('the size bound comes first: TOO_LARGE even for garbage', () => {
  assert.throws(() => decodeWrit(new Uint8Array(100), 99), (e: unknown) => hasCode(e, 'TOO_LARGE'));
});

test('structure errors are MALFORMED: magic, version, order, duplicates, trailing bytes, truncation', () => {
  malformed(new TextEncoder().encode('tar czf bundle.tar.gz'));
  const wrongVersion = Uint8Array.from(sample);
  wrongVersion[WRIT_MAGIC.length] = 2;
  malformed(wrongVersion);
  malformed(Uint8Array.from([...sample, 0]));
  malformed(sample.subarray(0, sample.length - 1));
  const sigFirst = encodeWrit({ bundle: new Uint8Array(64), signature: new Uint8Array([1]) });
  // Swap the tags of the first two sections: order is fixed.
  const swapped = Uint8Array.from(sigFirst);
  swapped[WRIT_MAGIC.length + 1] = 'S'.charCodeAt(0);
  malformed(swapped);
  malformed(encodeWrit({ bundle: new Uint8Array(1), signature: new Uint8Array(0) }));
  malformed(encodeWrit({ bundle: new Uint8Array(1), signature: new Uint8Array(2048) }));
  malformed(encodeWrit({ bundle: new Uint8Array(1), signature: new Uint8Array(1), signerKeyDer: new Uint8Array([0x30, 0x00]) }));
  malformed(encodeWrit({ bundle: new Uint8Array(1), signature: new Uint8Array(1), chainDer: [new Uint8Array([0x30, 0x03, 1, 2, 3])] }));
  // A key with a trailing byte is not canonical SPKI: refused, so no unsigned byte hides there.
  malformed(encodeWrit({ bundle: new Uint8Array(1), signature: new Uint8Array(1), signerKeyDer: Uint8Array.from([...keyDer, 0]) }));
  malformed(encodeWrit({ bundle: new Uint8Array(1), signature: new Uint8Array(1), signerKeyDer: keyDer, chainDer: [new Uint8Array(10)] }));
});

test('every single-byte change of a .writ outside the bundle changes or breaks the parse', () => {
  const bundleStart = WRIT_MAGIC.length + 1 + 5;
  const bundleEnd = bundleStart + 3;
  const sigStart = bundleEnd + 5;
  const sigEnd = sigStart + 64;
  for (let i = 0; i < sample.length; i++) {
    if ((i >= bundleStart && i < bundleEnd) || (i >= sigStart && i < sigEnd)) continue;
    const flipped = Uint8Array.from(sample);
    flipped[i] = (flipped[i] ?? 0) ^ 0x01;
    let parsed;
    try {
      parsed = decodeWrit(flipped, BIG);
    } catch (err) {
      assert.ok(err instanceof BundleError, `byte ${i}`);
      continue;
    }
    // If it still parses, the signer key must differ: signature verification then fails.
    const key = parsed.signerKey?.export({ format: 'der', type: 'spki' });
    assert.ok(key && !Buffer.from(key).equals(keyDer), `byte ${i} flipped without effect`);
  }
});

test('property: random bytes and mutated writs give a SealedWrit or a typed error, never a crash', () => {
  const mutate = fc.tuple(fc.nat(sample.length - 1), fc.integer({ min: 1, max: 255 }), fc.nat(sample.length));
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 512 }).map((b) => Uint8Array.from([...WRIT_MAGIC, 1, ...b])), fc.uint8Array({ maxLength: 256 }), mutate.map(([at, x, cut]) => {
      const m = Uint8Array.from(sample);
      m[at] = (m[at] ?? 0) ^ x;
      return m.subarray(0, Math.max(cut, at + 1));
    })), (bytes) => {
      try {
        decodeWrit(bytes, BIG);
      } catch (err) {
        if (!(err instanceof BundleError) || !['MALFORMED', 'TOO_LARGE'].includes(err.code)) throw err;
      }
    }),
    { numRuns: 3000 },
  );
});
