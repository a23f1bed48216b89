import { createHash } from 'node:crypto';
import type pg from 'pg';
import { RegistryError } from '../errors.js';
import { withTransaction } from './transaction.js';

/** Bump with a new step in `migrate` whenever the DDL changes; `schema_version` records it. */
export const POSTGRES_SCHEMA_VERSION = 3;

export const DEFAULT_SCHEMA = 'writ';

/** An unquoted-style identifier: lower case, digits, underscores, at most 63 bytes (NAMEDATALEN - 1). */
export const SCHEMA_NAME_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

/** 'wreg' in ASCII: the first key of the migration's advisory lock, so it meets no one else's locks. */
const LOCK_CLASS = 0x77726567;

/**
 * The schema as an SQL identifier. Identifiers cannot be bind parameters, so this is the one value
 * spliced into SQL text: only names matching SCHEMA_NAME_PATTERN get here, and they are quoted too.
 */
export function schemaIdentifier(schema: unknown): string {
  // Anything else could close the quotes and append SQL of its own.
  if (typeof schema !== 'string' || !SCHEMA_NAME_PATTERN.test(schema)) {
    throw new RegistryError('REGISTRY_INVALID', `schema must match ${String(SCHEMA_NAME_PATTERN)}`);
  }
  return `"${schema}"`;
}

/**
 * Version 1, as released; never edit it (schemas at version 1 exist), add a step after it instead.
 * The same tables as the SQLite registry: timestamptz for times, text[] for tags. An agent's
 * certificate details are read from `certificates` through `cert_serial`, so they cannot disagree
 * with it. Constraint and index names are fixed: errors are recognised by them.
 */
function ddlV1(s: string): string {
  return `
CREATE TABLE IF NOT EXISTS ${s}.certificates (
  serial      text        NOT NULL,
  agent_name  text,
  fingerprint text        NOT NULL,
  issued_at   timestamptz NOT NULL,
  not_after   timestamptz NOT NULL,
  revoked_at  timestamptz,
  CONSTRAINT certificates_pkey PRIMARY KEY (serial)
);
CREATE INDEX IF NOT EXISTS certificates_by_agent ON ${s}.certificates (agent_name);
CREATE INDEX IF NOT EXISTS certificates_revoked ON ${s}.certificates (serial) WHERE revoked_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS ${s}.agents (
  name         text        NOT NULL PRIMARY KEY,
  tags         text[]      NOT NULL CHECK (array_position(tags, NULL) IS NULL),
  address      text        NOT NULL,
  version      text,
  cert_serial  text        NOT NULL UNIQUE REFERENCES ${s}.certificates (serial),
  paired_at    timestamptz NOT NULL,
  last_seen_at timestamptz,
  state        text        NOT NULL CHECK (state IN ('active', 'revoked'))
);

CREATE TABLE IF NOT EXISTS ${s}.pairing_requests (
  id           text        NOT NULL PRIMARY KEY,
  agent_name   text        NOT NULL,
  csr_pem      text        NOT NULL,
  code         text        NOT NULL,
  requested_at timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  state        text        NOT NULL CHECK (state IN ('pending', 'approved')),
  cert_pem     text,
  CHECK ((state = 'approved') = (cert_pem IS NOT NULL))
);
-- A code names at most one pending request, so an operator typing it cannot approve the wrong host.
CREATE UNIQUE INDEX IF NOT EXISTS pairing_pending_code ON ${s}.pairing_requests (code) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS pairing_pending_expiry ON ${s}.pairing_requests (expires_at) WHERE state = 'pending';
`;
}

/**
 * Version 2, as in SQLite: a pairing request keeps what the agent asked to be registered with, so
 * any control host sharing the registry can approve it. Rows from version 1 get no tags and an
 * empty address (a request that cannot be approved; it expires within minutes anyway).
 */
function ddlV2Step(s: string): string {
  return `
ALTER TABLE ${s}.pairing_requests
  ADD COLUMN tags    text[] NOT NULL DEFAULT '{}' CHECK (array_position(tags, NULL) IS NULL),
  ADD COLUMN address text   NOT NULL DEFAULT '',
  ADD COLUMN version text;
`;
}

/**
 * Version 3, as in SQLite: fleet runs and their hosts, so a fan-out can be looked at, followed and
 * cancelled by any control host sharing the registry after the request that started it ended.
 */
function ddlV3Step(s: string): string {
  return `
CREATE TABLE ${s}.fleet_runs (
  id          text        NOT NULL PRIMARY KEY,
  created_at  timestamptz NOT NULL,
  operator    text        NOT NULL,
  target      text        NOT NULL,
  writ_sha256 text        NOT NULL,
  writ_bytes  bigint      NOT NULL CHECK (writ_bytes >= 0),
  state       text        NOT NULL CHECK (state IN ('running', 'finished', 'cancelled')),
  finished_at timestamptz,
  CHECK ((state = 'running') = (finished_at IS NULL))
);
CREATE INDEX fleet_runs_newest ON ${s}.fleet_runs (created_at, id);

CREATE TABLE ${s}.fleet_run_hosts (
  run_id        text        NOT NULL REFERENCES ${s}.fleet_runs (id) ON DELETE CASCADE,
  host          text        NOT NULL,
  position      integer     NOT NULL,
  state         text        NOT NULL CHECK (state IN ('pending', 'dispatched', 'finished', 'skipped')),
  agent_run_id  text,
  exit_code     integer,
  error_code    text,
  error_message text,
  finished_at   timestamptz,
  PRIMARY KEY (run_id, host),
  CHECK ((error_code IS NULL) = (error_message IS NULL)),
  CHECK ((state IN ('finished', 'skipped')) = (finished_at IS NOT NULL))
);
`;
}

/**
 * Brings the schema to POSTGRES_SCHEMA_VERSION in one transaction. Several control hosts may start
 * at once: the transaction-scoped advisory lock lets one create the tables while the others wait,
 * then see its work (concurrent CREATE ... IF NOT EXISTS can otherwise fail on catalog rows). The
 * lock ends with the transaction, even if this process dies halfway.
 */
export async function migrate(pool: pg.Pool, schema: string): Promise<void> {
  const s = schemaIdentifier(schema);
  await withTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1::int4, $2::int4)', [LOCK_CLASS, schemaLockKey(schema)]);
    // Create the schema only when missing: an operator may pre-create it for a role without CREATE on the database.
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${s}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${s}.schema_version (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), version integer NOT NULL)`);
    const found = await client.query<{ version: number }>(`SELECT version FROM ${s}.schema_version`);
    const version = found.rows[0]?.version ?? 0;
    if (version > POSTGRES_SCHEMA_VERSION) {
      throw new RegistryError('REGISTRY_INVALID', `registry schema ${schema} is at version ${version}, newer than this writ (${POSTGRES_SCHEMA_VERSION}); upgrade writ`);
    }
    if (version === POSTGRES_SCHEMA_VERSION) return;
    // Each step takes the schema from the version before it, all in this one transaction.
    if (version < 1) await client.query(ddlV1(s));
    if (version < 2) await client.query(ddlV2Step(s));
    if (version < 3) await client.query(ddlV3Step(s));
    await client.query(
      `INSERT INTO ${s}.schema_version (singleton, version) VALUES (true, $1) ON CONFLICT (singleton) DO UPDATE SET version = excluded.version`,
      [POSTGRES_SCHEMA_VERSION],
    );
  });
}

/** The second lock key: per schema, so registries in different schemas never wait for each other. */
function schemaLockKey(schema: string): number {
  return createHash('sha256').update(schema).digest().readInt32BE(0);
}
