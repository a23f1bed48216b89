import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { denied, denyUnder, errorOf, harness } from './test-harness.js';

describe('fs.cp', () => {
  const h = harness();
  after(() => { h.cleanup(); });
  const src = `${h.dir}/src.txt`;
  writeFileSync(src, 'content');
  chmodSync(src, 0o640);

  it('copies a file: fs.read requests on src, then fs.write requests on dst', () => {
    const dst = `${h.dir}/dst.txt`;
    h.gate.clear();
    assert.equal(h.fs.cp(src, dst), undefined);
    assert.equal(readFileSync(dst, 'utf8'), 'content');
    assert.equal(statSync(dst).mode & 0o777, 0o640);
    assert.deepEqual(h.gate.log, [
      `open Dir ${h.dir}`,
      `open File ${src}`,
      `read File ${src}`,
      `open Dir ${h.dir}`,
      `create File ${dst}`,
      `open File ${dst}`,
      `write File ${dst}`,
    ]);
    // Second copy overwrites: no create.
    h.gate.clear();
    h.fs.cp(src, dst);
    assert.deepEqual(h.gate.log.slice(3), [`open Dir ${h.dir}`, `open File ${dst}`, `write File ${dst}`]);
  });

  it('denied read on src / denied create on dst copy nothing', () => {
    h.gate.rule = (act) => act !== 'read';
    try {
      assert.deepEqual(errorOf(() => h.fs.cp(src, `${h.dir}/n1`)), denied('read', 'File', src));
    } finally {
      h.gate.rule = () => true;
    }
    h.gate.rule = (act) => act !== 'create';
    try {
      assert.deepEqual(errorOf(() => h.fs.cp(src, `${h.dir}/n2`)), denied('create', 'File', `${h.dir}/n2`));
    } finally {
      h.gate.rule = () => true;
    }
    assert.equal(existsSync(`${h.dir}/n1`), false);
    assert.equal(existsSync(`${h.dir}/n2`), false);
  });

  it('copying a file onto itself is SAME_FILE and leaves it intact', () => {
    symlinkSync(src, `${h.dir}/src-link`);
    assert.equal(errorOf(() => h.fs.cp(src, `${h.dir}/src-link`)).code, 'SAME_FILE');
    assert.equal(readFileSync(src, 'utf8'), 'content');
  });

  it('a directory needs recursive (IS_A_DIR); a FIFO is NOT_A_FILE', () => {
    mkdirSync(`${h.dir}/plain-dir`);
    assert.equal(errorOf(() => h.fs.cp(`${h.dir}/plain-dir`, `${h.dir}/pd2`)).code, 'IS_A_DIR');
    execFileSync('mkfifo', [`${h.dir}/fifo`]);
    assert.equal(errorOf(() => h.fs.cp(`${h.dir}/fifo`, `${h.dir}/f2`)).code, 'NOT_A_FILE');
  });

  function tree(root: string): void {
    mkdirSync(`${root}/a`, { recursive: true });
    writeFileSync(`${root}/a/f`, 'F');
    writeFileSync(`${root}/g`, 'G');
    symlinkSync('/etc/passwd', `${root}/ln`);
  }

  it('recursive: authorizes every source and destination entry, then copies', () => {
    const s = `${h.dir}/tree`;
    const d = `${h.dir}/copy`;
    tree(s);
    h.gate.clear();
    h.fs.cp(s, d, { recursive: true });
    assert.equal(readFileSync(`${d}/a/f`, 'utf8'), 'F');
    assert.equal(readFileSync(`${d}/g`, 'utf8'), 'G');
    assert.ok(lstatSync(`${d}/ln`).isSymbolicLink());
    assert.equal(readlinkSync(`${d}/ln`), '/etc/passwd');
    assert.deepEqual(h.gate.log, [
      `open Dir ${h.dir}`,
      `open Dir ${s}`,
      `read Dir ${s}`,
      `open Dir ${h.dir}`,
      `create Dir ${d}`,
      `open Dir ${d}`,
      `create Dir ${d}/a`,
      `open Dir ${s}/a`,
      `read Dir ${s}/a`,
      `open Dir ${d}/a`,
      `open File ${s}/a/f`,
      `read File ${s}/a/f`,
      `create File ${d}/a/f`,
      `open File ${d}/a/f`,
      `write File ${d}/a/f`,
      `open File ${s}/g`,
      `read File ${s}/g`,
      `create File ${d}/g`,
      `open File ${d}/g`,
      `write File ${d}/g`,
      `read File ${s}/ln`,
      `create File ${d}/ln`,
    ]);
  });

  it('recursive with one forbidden source entry copies nothing', () => {
    const s = `${h.dir}/tree2`;
    const d = `${h.dir}/copy2`;
    tree(s);
    h.gate.rule = denyUnder(`${s}/g`);
    try {
      assert.deepEqual(errorOf(() => h.fs.cp(s, d, { recursive: true })), denied('open', 'File', `${s}/g`));
    } finally {
      h.gate.rule = () => true;
    }
    assert.equal(existsSync(d), false);
  });

  it('recursive into an existing destination is EXISTS; special files are refused before copying', () => {
    const s = `${h.dir}/tree3`;
    tree(s);
    mkdirSync(`${h.dir}/exists`);
    assert.equal(errorOf(() => h.fs.cp(s, `${h.dir}/exists`, { recursive: true })).code, 'EXISTS');
    execFileSync('mkfifo', [`${s}/a/pipe`]);
    assert.equal(errorOf(() => h.fs.cp(s, `${h.dir}/copy3`, { recursive: true })).code, 'NOT_A_FILE');
    assert.equal(existsSync(`${h.dir}/copy3`), false);
  });
});
