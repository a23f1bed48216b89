import assert from 'node:assert/strict';
import { statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { openRegistry, SqliteRegistry, type Registry } from '../../src/control/registry/index.js';
import { tempDir } from '../support/temp.js';
import { registryContract } from './registry-contract.js';
import { pairAgent, rejectsWithCode, uniqueName } from './registry-fixtures.js';
import { SQLITE_V1_DDL, SQLITE_V1_ROWS } from './registry-v1-schema.js';
import { SQLITE_V2_STEP, assertUpgradedToCurrent } from './registry-v2-schema.js';

registryContract('sqlite', () => {
  const dir = tempDir('writ-registry-');
  const path = join(dir.path, 'control', 'registry.db');
  const opened: Registry[] = [];
  const connect = (): Promise<Registry> => {
    const registry = SqliteRegistry.open(path);
    opened.push(registry);
    return Promise.resolve(registry);
  };
  return connect().then((registry) => ({
    registry,
    connect,
    cleanup: async () => {
      await Promise.all(opened.map((r) => r.close()));
      dir[Symbol.dispose]();
    },
  }));
});

/** A registry file as writ released it at schema `version`, with version 1's rows in it. */
function oldRegistryFile(dir: string, version: 1 | 2): string {
  const path = join(dir, 'registry.db');
  const old = new Database(path);
  old.exec(SQLITE_V1_DDL);
  old.exec(SQLITE_V1_ROWS);
  if (version === 2) old.exec(SQLITE_V2_STEP);
  old.pragma('application_id = 2003985767'); // 0x77726567, 'wreg', as both versions wrote it
  old.pragma(`user_version = ${version}`);
  old.close();
  return path;
}

describe('sqlite registry file', () => {
  test('the file is created owner-only (0600) in an owner-only directory (0700)', async () => {
    using dir = tempDir('writ-registry-');
    const path = join(dir.path, 'state', 'registry.db');
    const registry = SqliteRegistry.open(path);
    await pairAgent(registry, uniqueName('mode'));
    await registry.close();
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir.path, 'state')).mode & 0o777, 0o700);
  });

  test('a symlink at the path is refused, not followed', async () => {
    // Otherwise whoever can write the directory could point the registry at another file.
    using dir = tempDir('writ-registry-');
    writeFileSync(join(dir.path, 'target'), '');
    symlinkSync(join(dir.path, 'target'), join(dir.path, 'registry.db'));
    await rejectsWithCode(openRegistry(join(dir.path, 'registry.db')), 'REGISTRY_INVALID');
  });

  test('a database that is not a writ registry is refused untouched', async () => {
    using dir = tempDir('writ-registry-');
    const foreign = join(dir.path, 'foreign.db');
    const other = new Database(foreign);
    other.exec('CREATE TABLE notes (body TEXT)');
    other.close();
    await rejectsWithCode(openRegistry(foreign), 'REGISTRY_INVALID');
    const runStore = join(dir.path, 'runs.db');
    const store = new Database(runStore);
    store.pragma('application_id = 2003986804'); // the agent's run store ('writ')
    store.pragma('user_version = 1');
    store.close();
    await rejectsWithCode(openRegistry(runStore), 'REGISTRY_INVALID');
    const check = new Database(foreign, { readonly: true });
    assert.deepEqual(check.prepare<[], { name: string }>("SELECT name FROM sqlite_schema WHERE type = 'table'").all(), [{ name: 'notes' }]);
    check.close();
  });

  test('a version 1 file is upgraded in place: pairing requests gain tags, address and version; old rows read back', async () => {
    using dir = tempDir('writ-registry-');
    const path = oldRegistryFile(dir.path, 1);
    await assertUpgradedToCurrent(SqliteRegistry.open(path));
    const check = new Database(path, { readonly: true });
    try {
      assert.equal(check.pragma('user_version', { simple: true }), 3);
      const columns = check.prepare<[], { name: string; dflt_value: string | null; notnull: number }>('SELECT name, dflt_value, "notnull" FROM pragma_table_info(\'pairing_requests\')').all();
      assert.deepEqual(columns.slice(-3), [
        { name: 'tags', dflt_value: "'[]'", notnull: 1 },
        { name: 'address', dflt_value: "''", notnull: 1 },
        { name: 'version', dflt_value: null, notnull: 0 },
      ]);
    } finally {
      check.close();
    }
    // Opening again finds version 3 and changes nothing.
    const again = SqliteRegistry.open(path);
    assert.equal((await again.getAgent('v1-agent'))?.tags[0], 'old');
    await again.close();
  });

  test('a version 2 file is upgraded in place: fleet runs can be recorded; old rows read back', async () => {
    using dir = tempDir('writ-registry-');
    const path = oldRegistryFile(dir.path, 2);
    await assertUpgradedToCurrent(SqliteRegistry.open(path));
    const check = new Database(path, { readonly: true });
    assert.equal(check.pragma('user_version', { simple: true }), 3);
    check.close();
  });

  test('openRegistry: a path opens SQLite; other URL schemes and a schema option are refused', async () => {
    using dir = tempDir('writ-registry-');
    const registry = await openRegistry(join(dir.path, 'r.db'));
    assert.ok(registry instanceof SqliteRegistry);
    await registry.close();
    await rejectsWithCode(openRegistry('mysql://root@localhost/writ'), 'REGISTRY_INVALID');
    await rejectsWithCode(openRegistry(''), 'REGISTRY_INVALID');
    await rejectsWithCode(openRegistry(join(dir.path, 'r.db'), { schema: 'writ' }), 'REGISTRY_INVALID');
  });
});
