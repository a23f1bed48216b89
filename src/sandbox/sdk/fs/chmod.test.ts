import assert from 'node:assert/strict';
import { mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { denied, denyUnder, errorOf, harness } from './test-harness.js';

const perm = (p: string): number => statSync(p).mode & 0o7777;

describe('fs.chmod', () => {
  const h = harness();
  after(() => { h.cleanup(); });
  const f = `${h.dir}/f`;
  writeFileSync(f, '');

  it('changes a file mode after chmod File; octal strings work too', () => {
    h.gate.clear();
    assert.equal(h.fs.chmod(f, 0o600), undefined);
    assert.equal(perm(f), 0o600);
    assert.deepEqual(h.gate.log, [`chmod File ${f}`]);
    h.fs.chmod(f, '0644');
    assert.equal(perm(f), 0o644);
  });

  it('a directory is asked as a Dir', () => {
    mkdirSync(`${h.dir}/d`);
    h.gate.clear();
    h.fs.chmod(`${h.dir}/d`, 0o711);
    assert.equal(perm(`${h.dir}/d`), 0o711);
    assert.deepEqual(h.gate.log, [`chmod Dir ${h.dir}/d`]);
  });

  it('denied -> mode unchanged', () => {
    h.gate.rule = () => false;
    try {
      assert.deepEqual(errorOf(() => h.fs.chmod(f, 0o777)), denied('chmod', 'File', f));
    } finally {
      h.gate.rule = () => true;
    }
    assert.equal(perm(f), 0o644);
  });

  it('through a symlink, the target is authorized too and is what changes', () => {
    const secret = `${h.dir}/secret`;
    mkdirSync(secret);
    writeFileSync(`${secret}/key`, '');
    symlinkSync(`${secret}/key`, `${h.dir}/ln`);
    h.gate.rule = denyUnder(secret);
    try {
      h.gate.clear();
      assert.deepEqual(errorOf(() => h.fs.chmod(`${h.dir}/ln`, 0o777)), denied('chmod', 'File', `${secret}/key`));
      assert.deepEqual(h.gate.log, [`chmod File ${h.dir}/ln`, `chmod File ${secret}/key`]);
    } finally {
      h.gate.rule = () => true;
    }
    assert.equal(perm(`${secret}/key`), 0o644);
  });

  it('validates the mode', () => {
    for (const bad of [-1, 0o10000, 1.5, '999', 'rwx', null, undefined]) {
      assert.equal(errorOf(() => h.fs.chmod(f, bad)).code, 'INVALID_ARGUMENT');
    }
    assert.equal(errorOf(() => h.fs.chmod(`${h.dir}/none`, 0o600)).code, 'NOT_FOUND');
  });
});
