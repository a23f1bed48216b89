import assert from 'node:assert/strict';
import { statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteRunStore } from './index.js';
import { newRun, storeCode as code, tempDir } from './testing/temp-store.js';

test('open: owner-only files, two live handles share the database and its WAL', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'state', 'runs.db');
  const first = SqliteRunStore.open(path);
  t.after(() => first.close());
  first.create(newRun('shared'));
  first.markRunning('shared');
  first.appendOutput('shared', 'stdout', 'from first\n');

  const second = SqliteRunStore.open(path);
  t.after(() => second.close());
  assert.equal(statSync(join(dir, 'state')).mode & 0o777, 0o700);
  for (const file of [path, `${path}-wal`, `${path}-shm`]) assert.equal(statSync(file).mode & 0o777, 0o600, file);
  assert.equal(second.readOutput('shared', 0).bytes.toString(), 'from first\n');
  assert.equal(second.appendOutput('shared', 'log', 'from second\n'), 23);
  assert.equal(first.readOutput('shared', 11).bytes.toString(), 'from second\n');
  first.close();
  second.finish('shared', { state: 'succeeded', exitCode: 0 });
  second.close();

  const third = SqliteRunStore.open(path);
  t.after(() => third.close());
  const slice = third.readOutput('shared', 0);
  const raw = new Database(path, { readonly: true });
  assert.deepEqual([raw.pragma('journal_mode', { simple: true }), raw.pragma('auto_vacuum', { simple: true })], ['wal', 2]);
  raw.close();
  assert.equal(slice.bytes.toString(), 'from first\nfrom second\n');
  assert.equal(slice.done, true);
});

test('open: refuses files that are not a writ run store', (t) => {
  const dir = tempDir(t);
  const garbage = join(dir, 'garbage.db');
  writeFileSync(garbage, Buffer.alloc(8192, 'x'));
  assert.throws(() => SqliteRunStore.open(garbage), code('STORE_UNUSABLE'));
  assert.throws(() => SqliteRunStore.open(dir), code('STORE_UNUSABLE'), 'a directory');

  const foreign = join(dir, 'foreign.db');
  const other = new Database(foreign);
  other.exec('CREATE TABLE runs (x INTEGER)');
  other.close();
  assert.throws(() => SqliteRunStore.open(foreign), code('STORE_UNUSABLE'), 'an unversioned database with tables');
  const untouched = new Database(foreign, { readonly: true });
  assert.equal(untouched.pragma('journal_mode', { simple: true }), 'delete', 'a refused file is left as it was');
  untouched.close();

  const newer = join(dir, 'newer.db');
  SqliteRunStore.open(newer).close();
  const bump = new Database(newer);
  bump.pragma('user_version = 2');
  bump.close();
  assert.throws(() => SqliteRunStore.open(newer), code('STORE_UNUSABLE'), 'a newer schema version');

  const link = join(dir, 'link.db');
  symlinkSync(join(dir, 'target.db'), link);
  assert.throws(() => SqliteRunStore.open(link), code('STORE_UNUSABLE'), 'a symlink at the store path');

  const loose = join(dir, 'loose.db');
  writeFileSync(loose, '', { mode: 0o644 });
  SqliteRunStore.open(loose).close();
  assert.equal(statSync(loose).mode & 0o777, 0o600, 'an existing file is tightened to 0600');
});
