import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { extract as createExtractor, type Header } from 'tar-stream';
import { DEFAULT_UNPACK_LIMITS } from './limits.js';
import { packBundle } from './pack.js';
import { unpackBundle } from './unpack.js';
import { asText, gnuTar, rejectsWith, tempDir } from './test-support.js';

const text = (files: Record<string, string>): Map<string, Uint8Array> =>
  new Map(Object.entries(files).map(([name, body]) => [name, Buffer.from(body)]));

const FILES = {
  'script.js': 'export default () => 42;\n',
  'policy.cedar': 'permit(principal, action, resource);\n',
  'inputs/data.csv': 'a,b\n1,2\n',
  'inputs/nested/deep.txt': 'deep',
  'empty.txt': '',
  'ünïcödé/名前.txt': 'non-ASCII names go into pax headers',
  [`${'long/'.repeat(30)}name.txt`]: 'a path longer than ustar holds without its prefix field',
};

/** Every header tar-stream reads back from a packed bundle, in archive order. */
async function headersOf(gz: Uint8Array): Promise<Header[]> {
  const headers: Header[] = [];
  for await (const entry of createExtractor().end(gunzipSync(gz))) {
    headers.push(entry.header);
    entry.resume();
  }
  return headers;
}

describe('packBundle', () => {
  test('the same files give the same bytes, whatever the insertion order', async () => {
    const forward = await packBundle(text(FILES));
    const again = await packBundle(text(FILES));
    const reversed = await packBundle(new Map([...text(FILES)].reverse()));
    assert.deepEqual(Buffer.from(again), Buffer.from(forward));
    assert.deepEqual(Buffer.from(reversed), Buffer.from(forward));
  });

  test('pack then unpack gives the files back', async () => {
    const binary = Uint8Array.from({ length: 3000 }, (_, i) => (i * 31) % 256);
    const files = new Map([...text(FILES), ['bin/blob', binary]]);
    const unpacked = await unpackBundle(await packBundle(files));
    assert.deepEqual(new Set(unpacked.keys()), new Set(files.keys()));
    for (const [name, body] of files) assert.deepEqual(Buffer.from(unpacked.get(name)!), Buffer.from(body), name);
  });

  test('entries are sorted files only, with no machine metadata', async () => {
    const headers = await headersOf(await packBundle(text(FILES)));
    assert.deepEqual(
      headers.map((h) => h.name),
      Object.keys(FILES).sort(),
    );
    for (const header of headers) {
      assert.equal(header.type, 'file');
      assert.equal(header.mode, 0o644);
      assert.equal(header.mtime.getTime(), 0);
      assert.equal(header.uid, 0);
      assert.equal(header.gid, 0);
      assert.equal(header.uname, '');
      assert.equal(header.gname, '');
    }
  });

  test('the gzip header carries no time and a fixed OS', async () => {
    const gz = await packBundle(text(FILES));
    assert.deepEqual([...gz.subarray(0, 4)], [0x1f, 0x8b, 8, 0]); // magic, deflate, no optional fields
    assert.deepEqual([...gz.subarray(4, 8)], [0, 0, 0, 0]); // mtime
    assert.equal(gz[9], 3); // OS: Unix
  });

  test('leading ./ is normalized away', async () => {
    const unpacked = await unpackBundle(await packBundle(text({ './script.js': 'x', '././inputs/a': 'y' })));
    assert.deepEqual(asText(unpacked), { 'script.js': 'x', 'inputs/a': 'y' });
  });

  test('an empty map gives an empty (but valid) bundle', async () => {
    assert.equal((await unpackBundle(await packBundle(new Map()))).size, 0);
  });

  describe('GNU tar reads what we write', () => {
    const dir = tempDir();
    after(() => dir.remove());

    test('tar lists and extracts the same files', async () => {
      const bundlePath = join(dir.path, 'bundle.tar.gz');
      writeFileSync(bundlePath, await packBundle(text(FILES)));
      const listing = execFileSync('tar', ['--quoting-style=literal', '-tzf', bundlePath], { encoding: 'utf8' });
      assert.deepEqual(listing.split('\n').filter(Boolean), Object.keys(FILES).sort());
      gnuTar(dir.path, ['xzf', bundlePath, '-C', dir.path]);
      for (const [name, body] of Object.entries(FILES)) assert.equal(readFileSync(join(dir.path, name), 'utf8'), body, name);
    });
  });

  describe('refuses what unpackBundle would refuse', () => {
    const unsafe = ['../x', '/etc/passwd', 'a/../../x', 'a\\b', 'C:/x', 'a//b', 'a/./b', '.', './', '', 'dir/', 'x\u0000y', 'x\ny'];
    for (const name of unsafe) {
      test(`path ${JSON.stringify(name)} is UNSAFE_PATH`, async () => {
        await rejectsWith(packBundle(text({ [name]: 'x' })), 'UNSAFE_PATH');
      });
    }

    test('two spellings of one path, and a file used as a directory, are UNSAFE_PATH', async () => {
      await rejectsWith(packBundle(text({ a: '1', './a': '2' })), 'UNSAFE_PATH');
      await rejectsWith(packBundle(text({ a: '1', 'a/b': '2' })), 'UNSAFE_PATH');
      await rejectsWith(packBundle(text({ 'a/b/c': '1', 'a/b': '2' })), 'UNSAFE_PATH');
    });

    test('too many files, too large a file, too many bytes, too compressible: TOO_LARGE', async () => {
      const many = new Map(Array.from({ length: DEFAULT_UNPACK_LIMITS.maxEntries + 1 }, (_, i) => [`f${i}`, new Uint8Array(0)]));
      await rejectsWith(packBundle(many), 'TOO_LARGE');
      const small = { ...DEFAULT_UNPACK_LIMITS, maxFileBytes: 10, maxTotalBytes: 15 };
      await rejectsWith(packBundle(text({ a: 'x'.repeat(11) }), small), 'TOO_LARGE');
      await rejectsWith(packBundle(text({ a: 'x'.repeat(10), b: 'y'.repeat(10) }), small), 'TOO_LARGE');
      const ratio = { ...DEFAULT_UNPACK_LIMITS, maxEntries: 1, ratioFloorBytes: 1024, maxRatio: 10 };
      const compressible = text({ a: 'a'.repeat(1024 * 1024) });
      await rejectsWith(packBundle(compressible, ratio), 'TOO_LARGE');
      // And a bundle packed under given limits unpacks under the same limits.
      const roomy = { ...ratio, ratioFloorBytes: 2 * 1024 * 1024 };
      assert.equal((await unpackBundle(await packBundle(compressible, roomy), roomy)).size, 1);
    });
  });
});
