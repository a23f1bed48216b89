import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { denied, denyUnder, errorOf, harness } from './test-harness.js';

describe('fs.glob', () => {
  const h = harness();
  after(() => { h.cleanup(); });
  const r = `${h.dir}/root`;
  mkdirSync(`${r}/a/deep/er`, { recursive: true });
  mkdirSync(`${r}/b`);
  mkdirSync(`${r}/.hidden`);
  writeFileSync(`${r}/top.log`, '');
  writeFileSync(`${r}/top.txt`, '');
  writeFileSync(`${r}/.dot.log`, '');
  writeFileSync(`${r}/a/x.log`, '');
  writeFileSync(`${r}/a/deep/y.log`, '');
  writeFileSync(`${r}/a/deep/er/z.log`, '');
  writeFileSync(`${r}/b/w.log`, '');
  writeFileSync(`${r}/.hidden/h.log`, '');
  symlinkSync(`${r}/a`, `${r}/alink`);

  it('matches one level with * and asks open+read on the base only', () => {
    h.gate.clear();
    assert.deepEqual(h.fs.glob(`${r}/*.log`), [`${r}/top.log`]);
    assert.deepEqual(h.gate.log, [`open Dir ${r}`, `read Dir ${r}`]);
  });

  it('** matches any depth, skips hidden dirs and never walks into symlinks', () => {
    h.gate.clear();
    assert.deepEqual(h.fs.glob(`${r}/**/*.log`), [
      `${r}/a/deep/er/z.log`,
      `${r}/a/deep/y.log`,
      `${r}/a/x.log`,
      `${r}/b/w.log`,
      `${r}/top.log`,
    ]);
    assert.deepEqual(h.gate.log, [
      `open Dir ${r}`,
      `read Dir ${r}`,
      `open Dir ${r}/a`,
      `read Dir ${r}/a`,
      `open Dir ${r}/a/deep`,
      `read Dir ${r}/a/deep`,
      `open Dir ${r}/a/deep/er`,
      `read Dir ${r}/a/deep/er`,
      `open Dir ${r}/b`,
      `read Dir ${r}/b`,
    ]);
  });

  it('wildcards in the middle, ?, classes, and explicit dot patterns', () => {
    assert.deepEqual(h.fs.glob(`${r}/*/x.log`), [`${r}/a/x.log`]);
    assert.deepEqual(h.fs.glob(`${r}/top.???`), [`${r}/top.log`, `${r}/top.txt`]);
    assert.deepEqual(h.fs.glob(`${r}/[ab]`), [`${r}/a`, `${r}/b`]);
    assert.deepEqual(h.fs.glob(`${r}/.*`), [`${r}/.dot.log`, `${r}/.hidden`]);
    assert.deepEqual(h.fs.glob(`${r}/al*`), [`${r}/alink`]);
    assert.deepEqual(h.fs.glob(`${r}/a/../b/*.log`), [`${r}/b/w.log`]);
    h.gate.clear();
    assert.deepEqual(h.fs.glob(`${r}/a/\\.\\./b/*.log`), [`${r}/b/w.log`], 'an escaped .. is still resolved before authorization');
    assert.deepEqual(h.gate.log, [`open Dir ${r}/b`, `read Dir ${r}/b`]);
  });

  it('a denied directory on the way throws AccessDenied (no silently partial results)', () => {
    h.gate.rule = denyUnder(`${r}/b`);
    try {
      assert.deepEqual(errorOf(() => h.fs.glob(`${r}/**/*.log`)), denied('open', 'Dir', `${r}/b`));
      // A pattern that never needs to enter b is fine.
      assert.deepEqual(h.fs.glob(`${r}/a/*.log`), [`${r}/a/x.log`]);
    } finally {
      h.gate.rule = () => true;
    }
  });

  it('a missing base gives []; patterns are validated', () => {
    assert.deepEqual(h.fs.glob(`${r}/nope/*`), []);
    assert.deepEqual(h.fs.glob(`${r}/top.log/*`), []);
    assert.equal(errorOf(() => h.fs.glob('*.log')).code, 'INVALID_PATH');
    assert.equal(errorOf(() => h.fs.glob(7)).code, 'INVALID_ARGUMENT');
    assert.equal(errorOf(() => h.fs.glob(`/${'*a'.repeat(3000)}`)).code, 'INVALID_ARGUMENT');
  });

  it('a symlinked base is authorized on its real path too', () => {
    h.gate.rule = denyUnder(`${r}/a`);
    try {
      assert.deepEqual(errorOf(() => h.fs.glob(`${r}/alink/*.log`)), denied('open', 'Dir', `${r}/a`));
    } finally {
      h.gate.rule = () => true;
    }
  });

  it('spends one operation per entry examined', () => {
    const before = h.budget.used;
    h.fs.glob(`${r}/*`);
    // 1 for the call + the 7 entries of root: .dot.log .hidden a alink b top.log top.txt
    assert.equal(h.budget.used - before, 1 + 7);
  });
});
