import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BundleError } from '../errors.js';
import { normalizeBundlePath, type BundleEntryKind } from './paths.js';

function refused(raw: string, kind: BundleEntryKind = 'file'): void {
  assert.throws(
    () => normalizeBundlePath(raw, kind),
    (err: unknown) => err instanceof BundleError && err.code === 'UNSAFE_PATH',
    `expected ${JSON.stringify(raw)} (${kind}) to be refused`,
  );
}

describe('normalizeBundlePath', () => {
  test('keeps plain relative paths', () => {
    assert.equal(normalizeBundlePath('script.js', 'file'), 'script.js');
    assert.equal(normalizeBundlePath('inputs/data.csv', 'file'), 'inputs/data.csv');
    assert.equal(normalizeBundlePath('.hidden/..x/...', 'file'), '.hidden/..x/...');
    assert.equal(normalizeBundlePath('données/ü.txt', 'file'), 'données/ü.txt');
  });

  test('strips every leading ./ (GNU tar -C dir .)', () => {
    assert.equal(normalizeBundlePath('./script.js', 'file'), 'script.js');
    assert.equal(normalizeBundlePath('././inputs/data.csv', 'file'), 'inputs/data.csv');
    assert.equal(normalizeBundlePath('./inputs/', 'directory'), 'inputs');
  });

  test('the root directory entry normalizes to the empty string', () => {
    for (const root of ['./', '.', '././']) assert.equal(normalizeBundlePath(root, 'directory'), '');
  });

  test('a trailing slash is for directories only', () => {
    assert.equal(normalizeBundlePath('inputs/', 'directory'), 'inputs');
    assert.equal(normalizeBundlePath('inputs', 'directory'), 'inputs');
    refused('inputs/', 'file');
    refused('inputs//', 'directory');
  });

  test('refuses the root, empty paths and empty segments', () => {
    for (const raw of ['', '.', './', 'a//b', './/a', 'a/']) refused(raw);
    refused('', 'directory');
  });

  test('refuses absolute paths, .. and . segments', () => {
    for (const raw of ['/etc/passwd', '//x', '..', '../x', 'a/../../x', 'a/..', './../x', 'a/./b', 'a/.']) {
      refused(raw);
      refused(raw, 'directory');
    }
  });

  test('refuses backslashes and Windows drive letters', () => {
    for (const raw of ['a\\b', '..\\x', 'C:/x', 'c:x', 'Z:']) refused(raw);
    assert.equal(normalizeBundlePath('a/c:x', 'file'), 'a/c:x');
  });

  test('refuses control characters and names that were not valid UTF-8', () => {
    for (const raw of ['a\u0000b', 'a\nb', 'a\rb', '\u001b[31mred', 'a\u007fb', 'a\u0085b', 'bad\uFFFDname']) refused(raw);
  });

  test('refuses names longer than file systems allow', () => {
    refused('x'.repeat(256));
    refused(Array.from({ length: 1100 }, () => 'abc').join('/'));
    assert.equal(normalizeBundlePath('x'.repeat(255), 'file'), 'x'.repeat(255));
    // Bytes, not characters: 128 two-byte characters are 256 bytes.
    refused('é'.repeat(128));
  });
});
