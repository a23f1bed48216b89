import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { DEFAULT_UNPACK_LIMITS, type UnpackLimits } from './limits.js';
import { unpackBundle } from './unpack.js';
import { asText, BLOCK, bundleOf, fileEntries, patchHeader, rejectsWith, tarOf, zeroBomb, type RawEntry } from './test-support.js';

// Limits, damaged archives, and what may follow the end of an archive.

const BUNDLE_FILES = {
  'script.js': 'export default () => 42;\n',
  'policy.cedar': 'permit(principal, action, resource);\n',
  'inputs/data.csv': 'a,b\n1,2\n',
};

describe('unpackBundle: limits', () => {
  test('a 200 MB gzip bomb is TOO_LARGE, quickly', async () => {
    const bomb = await zeroBomb(200 * 1024 * 1024);
    assert.ok(bomb.byteLength < 1024 * 1024, `bomb is ${bomb.byteLength} bytes compressed`);
    const started = performance.now();
    await rejectsWith(unpackBundle(bomb), 'TOO_LARGE');
    assert.ok(performance.now() - started < 2000, 'rejected without decompressing everything');
  });

  test('more than maxEntries entries is TOO_LARGE; exactly maxEntries is fine', async () => {
    const names = Array.from({ length: DEFAULT_UNPACK_LIMITS.maxEntries + 1 }, (_, i) => `f${i}`);
    const entries = names.map((name): RawEntry => ({ header: { name }, body: '' }));
    await rejectsWith(unpackBundle(await bundleOf(entries)), 'TOO_LARGE');
    assert.equal((await unpackBundle(await bundleOf(entries.slice(1)))).size, DEFAULT_UNPACK_LIMITS.maxEntries);
  });

  test('directories count as entries', async () => {
    const limits: UnpackLimits = { ...DEFAULT_UNPACK_LIMITS, maxEntries: 2 };
    const entries: RawEntry[] = [{ header: { name: './', type: 'directory' } }, { header: { name: 'd/', type: 'directory' } }, ...fileEntries({ 'd/a': 'x' })];
    await rejectsWith(unpackBundle(await bundleOf(entries), limits), 'TOO_LARGE');
  });

  test('a huge declared size is TOO_LARGE before any body is read', async () => {
    // The archive is tiny: reading the body would hit its end and be MALFORMED instead.
    const octal = patchHeader(await tarOf(fileEntries({ big: 'x' })), 0, { size: Buffer.from('77777777777 ') });
    await rejectsWith(unpackBundle(gzipSync(octal)), 'TOO_LARGE');
    const base256 = Buffer.alloc(12);
    base256[0] = 0x80;
    base256[2] = 0x01; // 2^72
    const binary = patchHeader(await tarOf(fileEntries({ big: 'x' })), 0, { size: base256 });
    await rejectsWith(unpackBundle(gzipSync(binary)), 'TOO_LARGE');
    const pax = await bundleOf([{ header: { name: 'big', pax: { size: '99999999999999999999' } }, body: 'x' }]);
    await rejectsWith(unpackBundle(pax), 'TOO_LARGE');
  });

  test('a file over maxFileBytes, or files over maxTotalBytes, are TOO_LARGE', async () => {
    const limits: UnpackLimits = { ...DEFAULT_UNPACK_LIMITS, maxFileBytes: 100, maxTotalBytes: 150 };
    await rejectsWith(unpackBundle(await bundleOf(fileEntries({ a: 'x'.repeat(101) })), limits), 'TOO_LARGE');
    await rejectsWith(unpackBundle(await bundleOf(fileEntries({ a: 'x'.repeat(100), b: 'y'.repeat(100) })), limits), 'TOO_LARGE');
    assert.equal((await unpackBundle(await bundleOf(fileEntries({ a: 'x'.repeat(100), b: 'y'.repeat(50) })), limits)).size, 2);
  });

  test('the compression ratio is capped above the floor', async () => {
    const limits: UnpackLimits = { ...DEFAULT_UNPACK_LIMITS, maxEntries: 1, ratioFloorBytes: 1024, maxRatio: 10 };
    const compressible = await bundleOf(fileEntries({ a: 'a'.repeat(1024 * 1024) }));
    await rejectsWith(unpackBundle(compressible, limits), 'TOO_LARGE');
    assert.equal((await unpackBundle(compressible, { ...limits, ratioFloorBytes: 2 * 1024 * 1024 })).size, 1);
  });

  test('invalid limits are a programming error (RangeError)', async () => {
    await assert.rejects(unpackBundle(await bundleOf([]), { ...DEFAULT_UNPACK_LIMITS, maxEntries: Number.NaN }), RangeError);
  });
});

describe('unpackBundle: malformed input', () => {
  test('garbage, empty input and an empty gzip are MALFORMED', async () => {
    await rejectsWith(unpackBundle(new Uint8Array(0)), 'MALFORMED');
    await rejectsWith(unpackBundle(Buffer.from('definitely not a gzip stream')), 'MALFORMED');
    await rejectsWith(unpackBundle(gzipSync(Buffer.alloc(0))), 'MALFORMED');
    await rejectsWith(unpackBundle(gzipSync(Buffer.from('x'.repeat(5000)))), 'MALFORMED');
  });

  test('an uncompressed tar is MALFORMED', async () => {
    await rejectsWith(unpackBundle(await tarOf(fileEntries({ a: 'x' }))), 'MALFORMED');
  });

  test('a truncated gzip stream is MALFORMED', async () => {
    const bundle = await bundleOf(fileEntries(BUNDLE_FILES));
    for (const cut of [1, 8, 20, bundle.byteLength - 30]) {
      await rejectsWith(unpackBundle(bundle.subarray(0, bundle.byteLength - cut)), 'MALFORMED');
    }
  });

  test('a truncated tar (re-gzipped, so gzip itself is intact) is MALFORMED', async () => {
    const tar = await tarOf(fileEntries({ a: 'x'.repeat(700), b: 'y' }));
    // Mid-header, mid-body, at an entry boundary, and with the end marker cut off.
    for (const length of [300, BLOCK + 100, 3 * BLOCK, 5 * BLOCK, tar.byteLength - BLOCK]) {
      await rejectsWith(unpackBundle(gzipSync(tar.subarray(0, length))), 'MALFORMED');
    }
  });

  test('an undecodable size field is MALFORMED (tar-stream would read it as null)', async () => {
    const size = Buffer.alloc(12);
    size[0] = 0x81; // neither of the two valid base-256 markers
    const tar = patchHeader(await tarOf(fileEntries({ a: 'x' })), 0, { size });
    await rejectsWith(unpackBundle(gzipSync(tar)), 'MALFORMED');
  });

  test('a bad header checksum is MALFORMED', async () => {
    const tar = await tarOf(fileEntries({ a: 'x' }));
    tar[0] = 'b'.charCodeAt(0);
    await rejectsWith(unpackBundle(gzipSync(tar)), 'MALFORMED');
  });

  test('a header without the ustar magic (v7 tar) is MALFORMED', async () => {
    const tar = await tarOf(fileEntries({ a: 'x' }));
    tar.fill(0, 257, 265);
    await rejectsWith(unpackBundle(gzipSync(patchHeader(tar, 0, {}))), 'MALFORMED');
  });
});

describe('unpackBundle: what follows the archive', () => {
  test('trailing zero blocks are ignored', async () => {
    const tar = await tarOf(fileEntries({ a: 'x' }));
    const files = await unpackBundle(gzipSync(Buffer.concat([tar, Buffer.alloc(20 * BLOCK)])));
    assert.deepEqual(asText(files), { a: 'x' });
  });

  test('entries after the end-of-archive marker (invisible to GNU tar) are MALFORMED', async () => {
    const first = await tarOf(fileEntries({ a: 'x' }));
    const hidden = await tarOf(fileEntries({ hidden: 'y' }));
    await rejectsWith(unpackBundle(gzipSync(Buffer.concat([first, hidden]))), 'MALFORMED');
    // A single zero block between entries already ends the archive for GNU tar.
    const oneBlock = Buffer.concat([first.subarray(0, 2 * BLOCK), Buffer.alloc(BLOCK), hidden]);
    await rejectsWith(unpackBundle(gzipSync(oneBlock)), 'MALFORMED');
  });

  test('non-zero bytes after the archive are MALFORMED', async () => {
    const tar = await tarOf(fileEntries({ a: 'x' }));
    await rejectsWith(unpackBundle(gzipSync(Buffer.concat([tar, Buffer.alloc(BLOCK, 0x41)]))), 'MALFORMED');
    // tar-stream insists on whole blocks, so even zero bytes short of a block are refused.
    await rejectsWith(unpackBundle(gzipSync(Buffer.concat([tar, Buffer.alloc(100)]))), 'MALFORMED');
  });

  test('gzip: concatenated members are one stream, trailing zeros are ignored, trailing garbage is MALFORMED', async () => {
    const tar = await tarOf(fileEntries(BUNDLE_FILES));
    const split = Buffer.concat([gzipSync(tar.subarray(0, 700)), gzipSync(tar.subarray(700))]);
    assert.deepEqual(asText(await unpackBundle(split)), BUNDLE_FILES);
    const gz = gzipSync(tar);
    assert.deepEqual(asText(await unpackBundle(Buffer.concat([gz, Buffer.alloc(64)]))), BUNDLE_FILES);
    await rejectsWith(unpackBundle(Buffer.concat([gz, Buffer.from('trailing garbage')])), 'MALFORMED');
  });
});
