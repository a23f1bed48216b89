import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { linkSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { unpackBundle } from './unpack.js';
import {
  asText,
  bundleOf,
  fileEntries,
  gnuTar,
  patchHeader,
  rejectsWith,
  tarOf,
  tempDir,
  writeTree,
  type RawEntry,
} from './test-support.js';

const BUNDLE_FILES = {
  'script.js': 'export default () => 42;\n',
  'policy.cedar': 'permit(principal, action, resource);\n',
  'inputs/data.csv': 'a,b\n1,2\n',
};

describe('unpackBundle: archives from GNU tar', () => {
  const dir = tempDir();
  const src = join(dir.path, 'src');
  before(() => writeTree(src, BUNDLE_FILES));
  after(() => dir.remove());

  const gnuBundle = (name: string, args: readonly string[]): Buffer => {
    const out = join(dir.path, name);
    gnuTar(src, ['czf', out, ...args]);
    return readFileSync(out);
  };

  test('`tar czf b.tgz -C dir .` (./ entries, directories) unpacks to the files', async () => {
    const files = await unpackBundle(gnuBundle('dot.tgz', ['-C', src, '.']));
    assert.deepEqual(asText(files), BUNDLE_FILES);
  });

  test('`tar czf bundle.tar.gz script.js policy.cedar` unpacks to the named files', async () => {
    const files = await unpackBundle(gnuBundle('named.tgz', ['script.js', 'policy.cedar']));
    assert.deepEqual(asText(files), { 'script.js': BUNDLE_FILES['script.js'], 'policy.cedar': BUNDLE_FILES['policy.cedar'] });
  });

  test('pax format with a global header (as git archive writes) is accepted', async () => {
    const bundle = gnuBundle('pax.tgz', ['--format=pax', '--pax-option=comment=commit-id', 'script.js']);
    assert.ok(gunzipSync(bundle).includes('comment=commit-id'), 'the archive really carries a global header');
    assert.deepEqual(asText(await unpackBundle(bundle)), { 'script.js': BUNDLE_FILES['script.js'] });
  });

  test('long names (GNU long-name and pax forms) are read in full', async () => {
    const longName = `${'d'.repeat(120)}/${'f'.repeat(130)}.txt`;
    const longDir = join(dir.path, 'long');
    writeTree(longDir, { [longName]: 'long' });
    for (const format of ['gnu', 'pax']) {
      const files = await unpackBundle(gnuBundle(`long-${format}.tgz`, [`--format=${format}`, '-C', longDir, longName]));
      assert.deepEqual(asText(files), { [longName]: 'long' });
    }
  });

  test('symlinks, hard links and fifos made by GNU tar are UNSAFE_PATH', async () => {
    const special = join(dir.path, 'special');
    writeTree(special, { 'real.txt': 'x' });
    symlinkSync('/etc/passwd', join(special, 'passwd'));
    await rejectsWith(unpackBundle(gnuBundle('symlink.tgz', ['-C', special, 'passwd'])), 'UNSAFE_PATH');
    linkSync(join(special, 'real.txt'), join(special, 'hard.txt'));
    await rejectsWith(unpackBundle(gnuBundle('hardlink.tgz', ['-C', special, 'real.txt', 'hard.txt'])), 'UNSAFE_PATH');
    execFileSync('mkfifo', [join(special, 'pipe')]);
    await rejectsWith(unpackBundle(gnuBundle('fifo.tgz', ['-C', special, 'pipe'])), 'UNSAFE_PATH');
  });
});

describe('unpackBundle: entry types', () => {
  test('links, devices and fifos are UNSAFE_PATH', async () => {
    const hostile: RawEntry[] = [
      { header: { name: 'link', type: 'symlink', linkname: '/etc/passwd' } },
      { header: { name: 'up', type: 'symlink', linkname: '../../x' } },
      { header: { name: 'hard', type: 'link', linkname: 'script.js' } },
      { header: { name: 'tty', type: 'character-device', devmajor: 5, devminor: 0 } },
      { header: { name: 'disk', type: 'block-device', devmajor: 8, devminor: 0 } },
      { header: { name: 'pipe', type: 'fifo' } },
    ];
    for (const entry of hostile) {
      await rejectsWith(unpackBundle(await bundleOf([{ header: { name: 'script.js' }, body: 'x' }, entry])), 'UNSAFE_PATH');
    }
  });

  test('a contiguous file is read as a regular file', async () => {
    const files = await unpackBundle(await bundleOf([{ header: { name: 'c.bin', type: 'contiguous-file' }, body: 'data' }]));
    assert.deepEqual(asText(files), { 'c.bin': 'data' });
  });

  test('directories are accepted and not returned', async () => {
    const files = await unpackBundle(
      await bundleOf([
        { header: { name: './', type: 'directory' } },
        { header: { name: 'inputs/', type: 'directory' } },
        { header: { name: 'inputs', type: 'directory' } },
        { header: { name: 'inputs/data.csv' }, body: 'a' },
        { header: { name: 'empty/', type: 'directory' } },
      ]),
    );
    assert.deepEqual(asText(files), { 'inputs/data.csv': 'a' });
  });

  test('empty files are returned, empty archives give an empty map', async () => {
    assert.deepEqual(asText(await unpackBundle(await bundleOf([{ header: { name: 'empty' }, body: '' }]))), { empty: '' });
    assert.equal((await unpackBundle(await bundleOf([]))).size, 0);
  });

  test('unknown entry types (GNU sparse, volume label) are MALFORMED', async () => {
    for (const typeflag of ['S', 'V', 'D', 'M']) {
      const tar = patchHeader(await tarOf(fileEntries({ 'a.txt': 'x' })), 0, { typeflag });
      await rejectsWith(unpackBundle(gzipSync(tar)), 'MALFORMED');
    }
  });

  test('a pax sparse file is MALFORMED (its body is a sparse map, not the file)', async () => {
    const entry: RawEntry = { header: { name: 'a.txt', pax: { 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0' } }, body: 'x' };
    await rejectsWith(unpackBundle(await bundleOf([entry])), 'MALFORMED');
  });

  test('a directory declaring a size (tar-stream would parse its data as headers) is MALFORMED', async () => {
    const tar = await tarOf([{ header: { name: 'd', type: 'directory' } }, ...fileEntries({ hidden: 'x' })]);
    patchHeader(tar, 0, { size: Buffer.from('00000001000 ') });
    await rejectsWith(unpackBundle(gzipSync(tar)), 'MALFORMED');
  });
});

describe('unpackBundle: unsafe paths', () => {
  const unsafeNames = [
    '../x',
    'a/../../x',
    './../x',
    '/etc/passwd',
    'a\\..\\x',
    'C:/x',
    'c:x',
    'a//b',
    'a/./b',
    '.',
    'x\ny',
    '\u001b[2Jx',
    'x'.repeat(256),
  ];

  for (const name of unsafeNames) {
    test(`file ${JSON.stringify(name.slice(0, 20))} is UNSAFE_PATH`, async () => {
      await rejectsWith(unpackBundle(await bundleOf([{ header: { name }, body: 'x' }])), 'UNSAFE_PATH');
    });
  }

  test('directories with unsafe paths are UNSAFE_PATH too', async () => {
    for (const name of ['../d/', '/tmp/', 'a/../../', 'a//']) {
      await rejectsWith(unpackBundle(await bundleOf([{ header: { name, type: 'directory' } }])), 'UNSAFE_PATH');
    }
  });

  test('NUL inside a (pax) path is UNSAFE_PATH', async () => {
    const entry: RawEntry = { header: { name: 'a', pax: { path: 'script.js\u0000.txt' } }, body: 'x' };
    await rejectsWith(unpackBundle(await bundleOf([entry])), 'UNSAFE_PATH');
  });

  test('an empty name is UNSAFE_PATH', async () => {
    const tar = patchHeader(await tarOf(fileEntries({ x: 'x' })), 0, { name: new Uint8Array(0) });
    await rejectsWith(unpackBundle(gzipSync(tar)), 'UNSAFE_PATH');
  });

  test('a name that is not valid UTF-8 is UNSAFE_PATH', async () => {
    const tar = patchHeader(await tarOf(fileEntries({ x: 'x' })), 0, { name: Buffer.from([0x61, 0xff, 0x62]) });
    await rejectsWith(unpackBundle(gzipSync(tar)), 'UNSAFE_PATH');
  });

  test('duplicate files, also after normalization, are UNSAFE_PATH', async () => {
    for (const names of [['a', 'a'], ['./a', 'a'], ['a', '././a'], ['d/a', './d/a']]) {
      const entries = names.map((name, i): RawEntry => ({ header: { name }, body: `v${i}` }));
      await rejectsWith(unpackBundle(await bundleOf(entries)), 'UNSAFE_PATH');
    }
  });

  test('a path used both as a file and as a directory is UNSAFE_PATH', async () => {
    const cases: RawEntry[][] = [
      [...fileEntries({ a: 'file' }), ...fileEntries({ 'a/b': 'child' })],
      [...fileEntries({ 'a/b': 'child' }), ...fileEntries({ a: 'file' })],
      [...fileEntries({ 'a/b/c': 'deep' }), ...fileEntries({ 'a/b': 'file' })],
      [{ header: { name: 'a/', type: 'directory' } }, ...fileEntries({ a: 'file' })],
      [...fileEntries({ a: 'file' }), { header: { name: 'a/', type: 'directory' } }],
    ];
    for (const entries of cases) await rejectsWith(unpackBundle(await bundleOf(entries)), 'UNSAFE_PATH');
  });
});

describe('unpackBundle: results', () => {
  test('file bodies are exact, independent copies', async () => {
    const binary = Uint8Array.from({ length: 1500 }, (_, i) => (i * 7) % 256);
    const files = await unpackBundle(await bundleOf([{ header: { name: 'bin' }, body: binary }, ...fileEntries({ small: 'ab' })]));
    const body = files.get('bin');
    assert.ok(body !== undefined);
    assert.deepEqual(Buffer.from(body), Buffer.from(binary));
    for (const bytes of files.values()) {
      // Not a view into the decompressed tar nor into Buffer's shared pool.
      assert.equal(bytes.byteOffset, 0);
      assert.equal(bytes.buffer.byteLength, bytes.byteLength);
    }
  });
});
