import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { denied, denyUnder, errorOf, harness } from './test-harness.js';

describe('fs.mv', () => {
  const h = harness();
  after(() => { h.cleanup(); });
  mkdirSync(`${h.dir}/from`);
  mkdirSync(`${h.dir}/to`);

  it('moves a file: open both parents, then move File with the destination context', () => {
    const s = `${h.dir}/from/a`;
    const d = `${h.dir}/to/b`;
    writeFileSync(s, 'A');
    h.gate.clear();
    assert.equal(h.fs.mv(s, d), undefined);
    assert.equal(existsSync(s), false);
    assert.equal(readFileSync(d, 'utf8'), 'A');
    assert.deepEqual(h.gate.log, [`open Dir ${h.dir}/from`, `open Dir ${h.dir}/to`, `move File ${s}`]);
    assert.deepEqual(h.gate.requests[2]!.context, { destination: { path: d, name: 'b', parent_path: `${h.dir}/to` } });
  });

  it('a directory moves as a Dir', () => {
    mkdirSync(`${h.dir}/from/dd`);
    h.gate.clear();
    h.fs.mv(`${h.dir}/from/dd`, `${h.dir}/to/dd`);
    assert.equal(h.gate.log[2], `move Dir ${h.dir}/from/dd`);
  });

  it('replacing an existing destination also needs delete on it', () => {
    writeFileSync(`${h.dir}/from/x`, 'new');
    writeFileSync(`${h.dir}/to/x`, 'old');
    h.gate.rule = (act) => act !== 'delete';
    try {
      assert.deepEqual(errorOf(() => h.fs.mv(`${h.dir}/from/x`, `${h.dir}/to/x`)), denied('delete', 'File', `${h.dir}/to/x`));
    } finally {
      h.gate.rule = () => true;
    }
    assert.equal(readFileSync(`${h.dir}/to/x`, 'utf8'), 'old');
    h.gate.clear();
    h.fs.mv(`${h.dir}/from/x`, `${h.dir}/to/x`);
    assert.equal(readFileSync(`${h.dir}/to/x`, 'utf8'), 'new');
    assert.deepEqual(h.gate.log.slice(2), [`move File ${h.dir}/from/x`, `delete File ${h.dir}/to/x`]);
  });

  it('denied move leaves everything in place', () => {
    writeFileSync(`${h.dir}/from/stay`, 's');
    h.gate.rule = (act) => act !== 'move';
    try {
      assert.deepEqual(errorOf(() => h.fs.mv(`${h.dir}/from/stay`, `${h.dir}/to/stay`)), denied('move', 'File', `${h.dir}/from/stay`));
    } finally {
      h.gate.rule = () => true;
    }
    assert.ok(existsSync(`${h.dir}/from/stay`));
    assert.equal(existsSync(`${h.dir}/to/stay`), false);
  });

  it('a symlink is moved itself (as a File), never its target', () => {
    symlinkSync('/etc/hostname', `${h.dir}/from/ln`);
    h.gate.clear();
    h.fs.mv(`${h.dir}/from/ln`, `${h.dir}/to/ln`);
    assert.equal(readlinkSync(`${h.dir}/to/ln`), '/etc/hostname');
    assert.equal(h.gate.log[2], `move File ${h.dir}/from/ln`);
  });

  it('a symlinked destination parent is authorized on its real path too', () => {
    const secret = `${h.dir}/secret`;
    mkdirSync(secret);
    symlinkSync(secret, `${h.dir}/drop`);
    writeFileSync(`${h.dir}/from/loot`, 'l');
    h.gate.rule = denyUnder(secret);
    try {
      assert.deepEqual(errorOf(() => h.fs.mv(`${h.dir}/from/loot`, `${h.dir}/drop/loot`)), denied('open', 'Dir', secret));
    } finally {
      h.gate.rule = () => true;
    }
    assert.equal(existsSync(`${secret}/loot`), false);
  });

  it('refuses / and reports a missing source as NOT_FOUND', () => {
    assert.equal(errorOf(() => h.fs.mv('/', `${h.dir}/root`)).code, 'INVALID_PATH');
    assert.equal(errorOf(() => h.fs.mv(`${h.dir}/from/none`, `${h.dir}/to/none`)).code, 'NOT_FOUND');
  });
});
