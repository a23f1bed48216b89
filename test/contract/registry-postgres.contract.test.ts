import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import pg from 'pg';
import { openRegistry, PostgresRegistry, RegistryError, type Registry } from '../../src/control/registry/index.js';
import { registryContract } from './registry-contract.js';
import { pairAgent, rejectsWithCode, uniqueName } from './registry-fixtures.js';
import { postgresV1 } from './registry-v1-schema.js';
import { assertUpgradedToCurrent, postgresV2Step } from './registry-v2-schema.js';

/** A real PostgreSQL server (trust auth on loopback in CI and development). */
const POSTGRES_URL = process.env['WRIT_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A fresh schema per run, so parallel runs (and leftovers of killed ones) never meet. */
const freshSchema = (): string => `writ_test_${randomBytes(6).toString('hex')}`;

/** Runs SQL of our own making (schema names from freshSchema, never input) on a connection of its own. */
async function runSql<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

async function dropSchema(schema: string): Promise<void> {
  await runSql(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
}

registryContract('postgres', async () => {
  const schema = freshSchema();
  const opened: Registry[] = [];
  const connect = async (): Promise<Registry> => {
    const registry = await PostgresRegistry.connect(POSTGRES_URL, { schema });
    opened.push(registry);
    return registry;
  };
  return {
    registry: await connect(),
    connect,
    cleanup: async () => {
      await Promise.all(opened.map((r) => r.close()));
      await dropSchema(schema);
    },
  };
});

describe('postgres registry connection', () => {
  test('an unreachable server is REGISTRY_UNAVAILABLE, quickly, without the password in the message', async () => {
    const started = Date.now();
    await assert.rejects(PostgresRegistry.connect('postgres://writ:s3cret-pw@127.0.0.1:1/test', { connectTimeoutMs: 2000 }), (err: unknown) => {
      assert.ok(err instanceof RegistryError && err.code === 'REGISTRY_UNAVAILABLE', String(err));
      assert.ok(!err.message.includes('s3cret-pw'), err.message);
      return true;
    });
    assert.ok(Date.now() - started < 2500, `took ${Date.now() - started} ms`);
  });

  test('a URL that is not PostgreSQL, or a database that does not exist, is REGISTRY_INVALID', async () => {
    await rejectsWithCode(PostgresRegistry.connect('mysql://root@127.0.0.1/test'), 'REGISTRY_INVALID');
    await rejectsWithCode(PostgresRegistry.connect('postgres://[not-a-host/test'), 'REGISTRY_INVALID');
    const missing = new URL(POSTGRES_URL);
    missing.pathname = `/no_such_db_${randomBytes(4).toString('hex')}`;
    await rejectsWithCode(PostgresRegistry.connect(missing.toString(), { schema: freshSchema() }), 'REGISTRY_INVALID');
  });

  test('schema names that are not plain identifiers are refused before any SQL runs', async () => {
    // The schema is spliced into SQL text (identifiers cannot be bound), so it must not carry SQL.
    for (const schema of ['x"; DROP SCHEMA public CASCADE; --', 'Writ', 'has-dash', '1st', '', 'a'.repeat(64)]) {
      await rejectsWithCode(PostgresRegistry.connect(POSTGRES_URL, { schema }), 'REGISTRY_INVALID');
    }
  });

  test('control hosts starting at once on a fresh schema all migrate it, once', async () => {
    const schema = freshSchema();
    try {
      const hosts = await Promise.all(Array.from({ length: 4 }, () => PostgresRegistry.connect(POSTGRES_URL, { schema })));
      try {
        const name = uniqueName('start');
        await pairAgent(hosts[0]!, name);
        for (const host of hosts) assert.equal((await host.getAgent(name))?.name, name);
      } finally {
        await Promise.all(hosts.map((h) => h.close()));
      }
    } finally {
      await dropSchema(schema);
    }
  });

  test('a version 1 schema is upgraded in place: pairing requests gain tags, address and version; old rows read back', async () => {
    const schema = freshSchema();
    try {
      await runSql(postgresV1(`"${schema}"`));
      await assertUpgradedToCurrent(await PostgresRegistry.connect(POSTGRES_URL, { schema }));
      assert.deepEqual(await runSql(`SELECT version FROM "${schema}".schema_version`), [{ version: 3 }]);
      const columns = await runSql(`SELECT column_name, column_default, is_nullable FROM information_schema.columns
        WHERE table_schema = '${schema}' AND table_name = 'pairing_requests' AND column_name IN ('tags', 'address', 'version') ORDER BY ordinal_position`);
      assert.deepEqual(columns, [
        { column_name: 'tags', column_default: "'{}'::text[]", is_nullable: 'NO' },
        { column_name: 'address', column_default: "''::text", is_nullable: 'NO' },
        { column_name: 'version', column_default: null, is_nullable: 'YES' },
      ]);
    } finally {
      await dropSchema(schema);
    }
  });

  test('a version 2 schema is upgraded in place: fleet runs can be recorded; old rows read back', async () => {
    const schema = freshSchema();
    try {
      await runSql(postgresV1(`"${schema}"`) + postgresV2Step(`"${schema}"`));
      await assertUpgradedToCurrent(await PostgresRegistry.connect(POSTGRES_URL, { schema }));
      assert.deepEqual(await runSql(`SELECT version FROM "${schema}".schema_version`), [{ version: 3 }]);
    } finally {
      await dropSchema(schema);
    }
  });

  test('openRegistry sends postgres:// and postgresql:// URLs to PostgreSQL', async () => {
    const schema = freshSchema();
    try {
      for (const url of [POSTGRES_URL, POSTGRES_URL.replace(/^postgres:/, 'postgresql:')]) {
        const registry = await openRegistry(url, { schema });
        assert.ok(registry instanceof PostgresRegistry);
        await registry.close();
      }
    } finally {
      await dropSchema(schema);
    }
  });
});
