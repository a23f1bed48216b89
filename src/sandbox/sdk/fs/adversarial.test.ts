import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { denied, errorOf, harness, type Rule } from './test-harness.js';

/**
 * Hostile paths against a policy that allows only `<tmp>/allowed/**` (plus the ancestors' `open`,
 * which every request chain needs). Forbidden content must never be read, written or removed.
 */
describe('adversarial paths', () => {
  const h = harness();
  after(() => { h.cleanup(); });
  const allowed = `${h.dir}/allowed`;
  const secret = `${h.dir}/secret`;
  mkdirSync(allowed);
  mkdirSync(secret);
  writeFileSync(`${allowed}/ok.txt`, 'OK');
  writeFileSync(`${secret}/key`, 'SECRET');
  const rule: Rule = (act, kind, path) =>
    path === allowed || path.startsWith(`${allowed}/`) || (kind === 'Dir' && act === 'open' && !path.startsWith(secret));
  h.gate.rule = rule;

  it('a symlink inside an allowed dir pointing at a forbidden file is denied on the real path', () => {
    symlinkSync(`${secret}/key`, `${allowed}/innocent.txt`);
    h.gate.clear();
    assert.deepEqual(errorOf(() => h.fs.read(`${allowed}/innocent.txt`)), denied('open', 'Dir', secret));
    assert.deepEqual(h.gate.log, [
      `open Dir ${allowed}`,
      `open File ${allowed}/innocent.txt`,
      `read File ${allowed}/innocent.txt`,
      `open Dir ${secret}`,
    ]);
    // The real-path request carries the real path's own ancestor chain.
    const last = h.gate.requests.at(-1)!;
    assert.ok(last.entities.some((e) => e.uid.id === h.dir && e.uid.type === 'file_system::Dir'));
  });

  it('`..` is resolved lexically before authorization: the gate sees the resolved path only', () => {
    h.gate.clear();
    const p = `${allowed}/../secret/key`;
    assert.deepEqual(errorOf(() => h.fs.read(p)), denied('open', 'Dir', secret));
    assert.ok(h.gate.log.every((line) => !line.includes('..')));
  });

  it('`..` after a symlinked directory opens the lexical path, never the physical parent', () => {
    // allowed/jump -> secret/inner ; allowed/jump/../key is allowed/key lexically but secret/key physically.
    mkdirSync(`${secret}/inner`);
    symlinkSync(`${secret}/inner`, `${allowed}/jump`);
    writeFileSync(`${allowed}/key`, 'LEXICAL');
    assert.equal(h.fs.read(`${allowed}/jump/../key`), 'LEXICAL');
  });

  it('a symlinked parent directory is authorized on its real path', () => {
    symlinkSync(secret, `${allowed}/door`);
    for (const attempt of [
      () => h.fs.read(`${allowed}/door/key`),
      () => h.fs.write(`${allowed}/door/key`, 'x'),
      () => h.fs.write(`${allowed}/door/new`, 'x'),
      () => h.fs.rm(`${allowed}/door/key`),
      () => h.fs.ls(`${allowed}/door`),
      () => h.fs.chmod(`${allowed}/door/key`, 0o777),
      () => h.fs.cp(`${allowed}/door/key`, `${allowed}/stolen`),
      () => h.fs.mv(`${allowed}/door/key`, `${allowed}/stolen`),
      () => h.fs.glob(`${allowed}/door/*`),
    ]) {
      assert.equal(errorOf(attempt).code, 'ACCESS_DENIED');
    }
    assert.equal(readFileSync(`${secret}/key`, 'utf8'), 'SECRET');
    assert.equal(existsSync(`${secret}/new`), false);
    assert.equal(existsSync(`${allowed}/stolen`), false);
  });

  it('a /proc/self/root magic link is authorized as what it resolves to', () => {
    const p = `/proc/self/root${secret}/key`;
    assert.deepEqual(errorOf(() => h.fs.read(p)), denied('open', 'File', p));
    // Even a policy that allows /proc entirely cannot be used as a detour.
    h.gate.rule = (act, kind, path, req) => path.startsWith('/proc') || rule(act, kind, path, req);
    try {
      assert.deepEqual(errorOf(() => h.fs.read(`/proc/self/root${secret}/key`)), denied('open', 'Dir', secret));
    } finally {
      h.gate.rule = rule;
    }
  });

  it('recursive rm of a tree holding a symlink to a forbidden dir removes the link, not the target', () => {
    mkdirSync(`${allowed}/junk/sub`, { recursive: true });
    symlinkSync(secret, `${allowed}/junk/sub/escape`);
    h.fs.rm(`${allowed}/junk`, { recursive: true });
    assert.equal(existsSync(`${allowed}/junk`), false);
    assert.equal(readFileSync(`${secret}/key`, 'utf8'), 'SECRET');
  });

  it('odd spellings normalize: duplicate slashes, trailing slash, `.`', () => {
    h.gate.clear();
    assert.equal(h.fs.read(`${h.dir}//allowed/./ok.txt`), 'OK');
    assert.deepEqual(h.gate.log, [`open Dir ${allowed}`, `open File ${allowed}/ok.txt`, `read File ${allowed}/ok.txt`]);
    assert.equal((h.fs.ls(`${allowed}/`) as unknown[]).length > 0, true);
  });

  it('a symlink loop fails with SYMLINK_LOOP', () => {
    symlinkSync(`${allowed}/loop2`, `${allowed}/loop1`);
    symlinkSync(`${allowed}/loop1`, `${allowed}/loop2`);
    assert.equal(errorOf(() => h.fs.read(`${allowed}/loop1`)).code, 'SYMLINK_LOOP');
  });
});
