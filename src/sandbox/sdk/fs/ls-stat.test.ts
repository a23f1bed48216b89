import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { denied, denyUnder, errorOf, harness } from './test-harness.js';

describe('fs.ls', () => {
  const h = harness();
  after(() => { h.cleanup(); });
  const d = `${h.dir}/list`;
  mkdirSync(d);
  writeFileSync(`${d}/b.txt`, '12345');
  chmodSync(`${d}/b.txt`, 0o640);
  mkdirSync(`${d}/a`);
  symlinkSync('/etc/passwd', `${d}/c`);

  it('lists sorted entries with lstat types after open+read Dir', () => {
    h.gate.clear();
    const entries = h.fs.ls(d) as { name: string; type: string; size: number; mode: number; mtime: string }[];
    assert.deepEqual(entries.map((e) => [e.name, e.type]), [['a', 'dir'], ['b.txt', 'file'], ['c', 'symlink']]);
    const b = entries[1]!;
    assert.equal(b.size, 5);
    assert.equal(b.mode, 0o640);
    assert.ok(!Number.isNaN(Date.parse(b.mtime)));
    assert.deepEqual(h.gate.log, [`open Dir ${d}`, `read Dir ${d}`]);
  });

  it('denied -> AccessDenied on the Dir', () => {
    h.gate.rule = (act) => act !== 'read';
    try {
      assert.deepEqual(errorOf(() => h.fs.ls(d)), denied('read', 'Dir', d));
    } finally {
      h.gate.rule = () => true;
    }
  });

  it('a file is NOT_A_DIR, a missing path NOT_FOUND', () => {
    assert.equal(errorOf(() => h.fs.ls(`${d}/b.txt`)).code, 'NOT_A_DIR');
    assert.equal(errorOf(() => h.fs.ls(`${d}/zzz`)).code, 'NOT_FOUND');
  });

  it('a symlinked directory is authorized on its real path too', () => {
    const secret = `${h.dir}/secret`;
    mkdirSync(secret);
    symlinkSync(secret, `${h.dir}/alias`);
    h.gate.rule = denyUnder(secret);
    try {
      h.gate.clear();
      assert.deepEqual(errorOf(() => h.fs.ls(`${h.dir}/alias`)), denied('open', 'Dir', secret));
      assert.deepEqual(h.gate.log, [`open Dir ${h.dir}/alias`, `read Dir ${h.dir}/alias`, `open Dir ${secret}`]);
    } finally {
      h.gate.rule = () => true;
    }
  });
});

describe('fs.stat', () => {
  const h = harness();
  after(() => { h.cleanup(); });
  const f = `${h.dir}/f`;
  writeFileSync(f, 'abc');
  chmodSync(f, 0o600);

  it('returns type, size, mode, mtime, uid, gid after open Dir(parent) + stat File', () => {
    h.gate.clear();
    const st = h.fs.stat(f) as Record<string, unknown>;
    assert.equal(st['type'], 'file');
    assert.equal(st['size'], 3);
    assert.equal(st['mode'], 0o600);
    assert.equal(st['uid'], process.getuid?.());
    assert.equal(typeof st['gid'], 'number');
    assert.equal(typeof st['mtime'], 'string');
    assert.deepEqual(h.gate.log, [`open Dir ${h.dir}`, `stat File ${f}`]);
    assert.equal((h.fs.stat(h.dir) as Record<string, unknown>)['type'], 'dir');
  });

  it('denied -> AccessDenied; missing -> NOT_FOUND (only after the checks)', () => {
    h.gate.rule = (act) => act !== 'stat';
    try {
      assert.deepEqual(errorOf(() => h.fs.stat(`${h.dir}/none`)), denied('stat', 'File', `${h.dir}/none`));
    } finally {
      h.gate.rule = () => true;
    }
    assert.equal(errorOf(() => h.fs.stat(`${h.dir}/none`)).code, 'NOT_FOUND');
  });

  it('follows a symlink and authorizes the target as well', () => {
    symlinkSync(f, `${h.dir}/l`);
    h.gate.clear();
    assert.equal((h.fs.stat(`${h.dir}/l`) as Record<string, unknown>)['size'], 3);
    assert.deepEqual(h.gate.log, [`open Dir ${h.dir}`, `stat File ${h.dir}/l`, `open Dir ${h.dir}`, `stat File ${f}`]);
  });
});
