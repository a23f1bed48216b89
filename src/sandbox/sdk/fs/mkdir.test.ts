import assert from 'node:assert/strict';
import { existsSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { denied, denyUnder, errorOf, harness } from './test-harness.js';

describe('fs.mkdir', () => {
  const h = harness();
  after(() => { h.cleanup(); });

  it('creates one directory after open Dir(parent) + create Dir', () => {
    const p = `${h.dir}/one`;
    h.gate.clear();
    assert.equal(h.fs.mkdir(p), undefined);
    assert.ok(statSync(p).isDirectory());
    assert.deepEqual(h.gate.log, [`open Dir ${h.dir}`, `create Dir ${p}`]);
  });

  it('existing -> EXISTS, missing parent -> NOT_FOUND (without recursive)', () => {
    assert.equal(errorOf(() => h.fs.mkdir(`${h.dir}/one`)).code, 'EXISTS');
    assert.equal(errorOf(() => h.fs.mkdir(`${h.dir}/x/y`)).code, 'NOT_FOUND');
    assert.equal(existsSync(`${h.dir}/x`), false);
  });

  it('recursive: the target first, then every missing ancestor top-down', () => {
    const p = `${h.dir}/r/s/t`;
    h.gate.clear();
    const before = h.budget.used;
    h.fs.mkdir(p, { recursive: true });
    assert.ok(statSync(p).isDirectory());
    assert.deepEqual(h.gate.log, [
      `open Dir ${h.dir}/r/s`,
      `create Dir ${p}`,
      `open Dir ${h.dir}`,
      `create Dir ${h.dir}/r`,
      `open Dir ${h.dir}/r`,
      `create Dir ${h.dir}/r/s`,
    ]);
    assert.equal(h.budget.used - before, 3, 'one per call plus one per extra ancestor');
  });

  it('recursive on an existing directory succeeds and creates nothing', () => {
    h.gate.clear();
    h.fs.mkdir(`${h.dir}/r/s`, { recursive: true });
    assert.deepEqual(h.gate.log, [`open Dir ${h.dir}/r`, `create Dir ${h.dir}/r/s`]);
  });

  it('a denied ancestor creates nothing at all', () => {
    h.gate.rule = (act, _k, path) => !(act === 'create' && path === `${h.dir}/p/q`);
    try {
      assert.deepEqual(errorOf(() => h.fs.mkdir(`${h.dir}/p/q/r`, { recursive: true })), denied('create', 'Dir', `${h.dir}/p/q`));
      assert.equal(existsSync(`${h.dir}/p`), false);
    } finally {
      h.gate.rule = () => true;
    }
  });

  it('a symlinked parent is authorized on its real path too', () => {
    const secret = `${h.dir}/secret`;
    mkdirSync(secret);
    symlinkSync(secret, `${h.dir}/link`);
    h.gate.rule = denyUnder(secret);
    try {
      h.gate.clear();
      assert.deepEqual(errorOf(() => h.fs.mkdir(`${h.dir}/link/new`)), denied('open', 'Dir', secret));
      assert.equal(existsSync(`${secret}/new`), false);
      assert.deepEqual(errorOf(() => h.fs.mkdir(`${h.dir}/link/a/b`, { recursive: true })), denied('open', 'Dir', secret));
      assert.equal(existsSync(`${secret}/a`), false);
    } finally {
      h.gate.rule = () => true;
    }
  });

  it('a file in the way is NOT_A_DIR; options are validated', () => {
    writeFileSync(`${h.dir}/file`, '');
    assert.equal(errorOf(() => h.fs.mkdir(`${h.dir}/file/sub`, { recursive: true })).code, 'NOT_A_DIR');
    assert.equal(errorOf(() => h.fs.mkdir(`${h.dir}/o`, { recursive: 1 })).code, 'INVALID_ARGUMENT');
    assert.equal(errorOf(() => h.fs.mkdir('/')).code, 'EXISTS');
  });
});
