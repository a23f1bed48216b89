import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { denied, errorOf, harness } from './test-harness.js';

describe('fs.rm', () => {
  const h = harness();
  after(() => { h.cleanup(); });

  function tree(root: string): void {
    mkdirSync(`${root}/a/b`, { recursive: true });
    writeFileSync(`${root}/a/b/f1`, '1');
    writeFileSync(`${root}/a/f2`, '2');
    writeFileSync(`${root}/z`, 'z');
  }

  it('removes a file after open Dir(parent) + delete File', () => {
    const p = `${h.dir}/f`;
    writeFileSync(p, '');
    h.gate.clear();
    assert.equal(h.fs.rm(p), undefined);
    assert.equal(existsSync(p), false);
    assert.deepEqual(h.gate.log, [`open Dir ${h.dir}`, `delete File ${p}`]);
  });

  it('denied delete leaves the file in place', () => {
    const p = `${h.dir}/kept`;
    writeFileSync(p, 'k');
    h.gate.rule = (act) => act !== 'delete';
    try {
      assert.deepEqual(errorOf(() => h.fs.rm(p)), denied('delete', 'File', p));
    } finally {
      h.gate.rule = () => true;
    }
    assert.equal(readFileSync(p, 'utf8'), 'k');
  });

  it('removes an empty directory as a Dir; a non-empty one needs recursive', () => {
    mkdirSync(`${h.dir}/empty`);
    h.gate.clear();
    h.fs.rm(`${h.dir}/empty`);
    assert.deepEqual(h.gate.log, [`open Dir ${h.dir}`, `delete Dir ${h.dir}/empty`]);
    tree(`${h.dir}/full`);
    assert.equal(errorOf(() => h.fs.rm(`${h.dir}/full`)).code, 'NOT_EMPTY');
    assert.ok(existsSync(`${h.dir}/full/z`));
  });

  it('a symlink is deleted as a File and its target is never touched', () => {
    const target = `${h.dir}/target-dir`;
    tree(target);
    symlinkSync(target, `${h.dir}/sl`);
    h.gate.clear();
    h.fs.rm(`${h.dir}/sl`, { recursive: true });
    assert.equal(existsSync(`${h.dir}/sl`), false);
    assert.ok(existsSync(`${target}/a/b/f1`));
    assert.deepEqual(h.gate.log, [`open Dir ${h.dir}`, `delete File ${h.dir}/sl`]);
  });

  it('recursive: authorizes every entry (open+read each Dir, delete each entry), then deletes', () => {
    const root = `${h.dir}/t`;
    tree(root);
    h.gate.clear();
    const before = h.budget.used;
    h.fs.rm(root, { recursive: true });
    assert.equal(existsSync(root), false);
    assert.deepEqual(h.gate.log, [
      `open Dir ${h.dir}`,
      `delete Dir ${root}`,
      `open Dir ${root}`,
      `read Dir ${root}`,
      `delete Dir ${root}/a`,
      `open Dir ${root}/a`,
      `read Dir ${root}/a`,
      `delete Dir ${root}/a/b`,
      `open Dir ${root}/a/b`,
      `read Dir ${root}/a/b`,
      `delete File ${root}/a/b/f1`,
      `delete File ${root}/a/f2`,
      `delete File ${root}/z`,
    ]);
    assert.equal(h.budget.used - before, 6, 'one per call plus one per entry');
  });

  it('recursive with ONE forbidden entry deletes nothing and is denied', () => {
    const root = `${h.dir}/guarded`;
    tree(root);
    h.gate.rule = (act, _k, path) => !(act === 'delete' && path === `${root}/z`);
    try {
      assert.deepEqual(errorOf(() => h.fs.rm(root, { recursive: true })), denied('delete', 'File', `${root}/z`));
    } finally {
      h.gate.rule = () => true;
    }
    assert.equal(readFileSync(`${root}/a/b/f1`, 'utf8'), '1');
    assert.equal(readFileSync(`${root}/a/f2`, 'utf8'), '2');
    assert.equal(readFileSync(`${root}/z`, 'utf8'), 'z');
  });

  it('running out of operations mid-walk deletes nothing', () => {
    const g = harness({ maxOps: 3 });
    try {
      tree(`${g.dir}/t`);
      assert.equal(errorOf(() => g.fs.rm(`${g.dir}/t`, { recursive: true })).code, 'OPS_LIMIT');
      assert.ok(existsSync(`${g.dir}/t/a/b/f1`));
      assert.ok(existsSync(`${g.dir}/t/z`));
    } finally {
      g.cleanup();
    }
  });

  it('refuses / and reports a missing path as NOT_FOUND', () => {
    assert.equal(errorOf(() => h.fs.rm('/', { recursive: true })).code, 'INVALID_PATH');
    assert.equal(errorOf(() => h.fs.rm(`${h.dir}/missing`)).code, 'NOT_FOUND');
  });
});
