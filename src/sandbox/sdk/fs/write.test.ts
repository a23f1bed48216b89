import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { denied, denyUnder, errorOf, harness } from './test-harness.js';

describe('fs.write', () => {
  const h = harness();
  after(() => { h.cleanup(); });

  it('creates a new file: open Dir(parent), create, open, write File', () => {
    const p = `${h.dir}/new.txt`;
    h.gate.clear();
    assert.equal(h.fs.write(p, 'one'), undefined);
    assert.equal(readFileSync(p, 'utf8'), 'one');
    assert.deepEqual(h.gate.log, [`open Dir ${h.dir}`, `create File ${p}`, `open File ${p}`, `write File ${p}`]);
  });

  it('overwrites an existing file: open Dir(parent), open, write File (no create)', () => {
    const p = `${h.dir}/existing.txt`;
    writeFileSync(p, 'a much longer old content');
    h.gate.clear();
    h.fs.write(p, 'short');
    assert.equal(readFileSync(p, 'utf8'), 'short');
    assert.deepEqual(h.gate.log, [`open Dir ${h.dir}`, `open File ${p}`, `write File ${p}`]);
  });

  it('appends with {append: true} and writes bytes from a Uint8Array', () => {
    const p = `${h.dir}/log.txt`;
    h.fs.write(p, 'a');
    h.fs.write(p, new Uint8Array([0x62, 0x63]), { append: true });
    h.fs.write(p, '\n', { append: true });
    assert.equal(readFileSync(p, 'utf8'), 'abc\n');
  });

  it('denied create leaves no file behind', () => {
    const g = harness({ rule: (act) => act !== 'create' });
    try {
      const p = `${g.dir}/x`;
      assert.deepEqual(errorOf(() => g.fs.write(p, 'data')), denied('create', 'File', p));
      assert.equal(existsSync(p), false);
    } finally {
      g.cleanup();
    }
  });

  it('denied write on an existing file leaves it unchanged (not even truncated)', () => {
    const g = harness({ rule: (act) => act !== 'write' });
    try {
      const p = `${g.dir}/keep`;
      writeFileSync(p, 'original');
      assert.deepEqual(errorOf(() => g.fs.write(p, '')), denied('write', 'File', p));
      assert.equal(readFileSync(p, 'utf8'), 'original');
    } finally {
      g.cleanup();
    }
  });

  it('a symlink to a forbidden file is denied on the real path and the target is untouched', () => {
    const secret = `${h.dir}/secret`;
    mkdirSync(secret);
    writeFileSync(`${secret}/conf`, 'safe');
    symlinkSync(`${secret}/conf`, `${h.dir}/innocent`);
    h.gate.rule = denyUnder(secret);
    try {
      h.gate.clear();
      assert.deepEqual(errorOf(() => h.fs.write(`${h.dir}/innocent`, 'pwned')), denied('open', 'Dir', secret));
      assert.equal(readFileSync(`${secret}/conf`, 'utf8'), 'safe');
      assert.deepEqual(h.gate.log, [
        `open Dir ${h.dir}`,
        `open File ${h.dir}/innocent`,
        `write File ${h.dir}/innocent`,
        `open Dir ${secret}`,
      ]);
    } finally {
      h.gate.rule = () => true;
    }
  });

  it('a dangling symlink is refused (its target would be created unchecked)', () => {
    symlinkSync(`${h.dir}/nowhere/x`, `${h.dir}/dangling`);
    assert.equal(errorOf(() => h.fs.write(`${h.dir}/dangling`, 'x')).code, 'NOT_FOUND');
    assert.equal(existsSync(`${h.dir}/nowhere`), false);
  });

  it('a directory is IS_A_DIR, a FIFO is NOT_A_FILE, a missing parent is NOT_FOUND', () => {
    mkdirSync(`${h.dir}/d`);
    assert.equal(errorOf(() => h.fs.write(`${h.dir}/d`, 'x')).code, 'IS_A_DIR');
    execFileSync('mkfifo', [`${h.dir}/fifo`]);
    // Opening a FIFO for writing would block until a reader appears: refused before any open.
    assert.equal(errorOf(() => h.fs.write(`${h.dir}/fifo`, 'x')).code, 'NOT_A_FILE');
    assert.equal(errorOf(() => h.fs.write('/', 'x')).code, 'IS_A_DIR');
    assert.equal(errorOf(() => h.fs.write('/dev/null/x', 'x')).code, 'NOT_A_DIR');
    assert.equal(errorOf(() => h.fs.write(`${h.dir}/no/such/file`, 'x')).code, 'NOT_FOUND');
  });

  it('validates data and options', () => {
    const p = `${h.dir}/v`;
    assert.equal(errorOf(() => h.fs.write(p, 42)).code, 'INVALID_ARGUMENT');
    assert.equal(errorOf(() => h.fs.write(p, 'x', { apend: true })).code, 'INVALID_ARGUMENT');
    assert.equal(errorOf(() => h.fs.write(p, 'x', { append: 'yes' })).code, 'INVALID_ARGUMENT');
    assert.equal(errorOf(() => h.fs.write(p, 'x', 'append')).code, 'INVALID_ARGUMENT');
    assert.equal(errorOf(() => h.fs.write('rel/p', 'x')).code, 'INVALID_PATH');
    assert.equal(existsSync(p), false);
  });
});
