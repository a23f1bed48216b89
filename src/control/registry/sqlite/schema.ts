import type BetterSqlite3 from 'better-sqlite3';
import { RegistryError } from '../errors.js';

type Db = BetterSqlite3.Database;

/** Bump with a new step in `migrate` whenever the DDL changes; the file records it in `user_version`. */
export const SQLITE_SCHEMA_VERSION = 3;

/** 'wreg' in ASCII: marks the file as a writ registry (the agent's run store is 'writ'), so we never migrate another database. */
export const REGISTRY_APPLICATION_ID = 0x77726567;

/**
 * Version 1, as released; never edit it (files at version 1 exist), add a step after it instead.
 * STRICT tables: a wrong type is an error, not a silently coerced value. Times are ISO-8601 UTC
 * text (fixed width, so text order is time order). An agent's certificate details are read from
 * `certificates` through `cert_serial`, so they cannot disagree with it.
 */
const DDL_V1 = `
CREATE TABLE certificates (
  serial      TEXT NOT NULL PRIMARY KEY,
  agent_name  TEXT,
  fingerprint TEXT NOT NULL,
  issued_at   TEXT NOT NULL,
  not_after   TEXT NOT NULL,
  revoked_at  TEXT
) STRICT;
CREATE INDEX certificates_by_agent ON certificates (agent_name);
CREATE INDEX certificates_revoked ON certificates (serial) WHERE revoked_at IS NOT NULL;

CREATE TABLE agents (
  name         TEXT NOT NULL PRIMARY KEY,
  tags         TEXT NOT NULL CHECK (json_valid(tags) AND json_type(tags) = 'array'),
  address      TEXT NOT NULL,
  version      TEXT,
  cert_serial  TEXT NOT NULL UNIQUE REFERENCES certificates (serial),
  paired_at    TEXT NOT NULL,
  last_seen_at TEXT,
  state        TEXT NOT NULL CHECK (state IN ('active', 'revoked'))
) STRICT;

CREATE TABLE pairing_requests (
  id           TEXT NOT NULL PRIMARY KEY,
  agent_name   TEXT NOT NULL,
  csr_pem      TEXT NOT NULL,
  code         TEXT NOT NULL,
  requested_at TEXT NOT NULL,
  expires_at   TEXT NOT NULL,
  state        TEXT NOT NULL CHECK (state IN ('pending', 'approved')),
  cert_pem     TEXT,
  CHECK ((state = 'approved') = (cert_pem IS NOT NULL))
) STRICT;
-- A code names at most one pending request, so an operator typing it cannot approve the wrong host.
CREATE UNIQUE INDEX pairing_pending_code ON pairing_requests (code) WHERE state = 'pending';
CREATE INDEX pairing_pending_expiry ON pairing_requests (expires_at) WHERE state = 'pending';
`;

/**
 * Version 2: a pairing request keeps what the agent asked to be registered with, so any control host
 * sharing the registry, or this one after a restart, can approve it. Rows from version 1 get no tags
 * and an empty address (a request that cannot be approved; it expires within minutes anyway).
 */
const DDL_V2_STEP = `
ALTER TABLE pairing_requests ADD COLUMN tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags) AND json_type(tags) = 'array');
ALTER TABLE pairing_requests ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE pairing_requests ADD COLUMN version TEXT;
`;

/**
 * Version 3: fleet runs and their hosts, so a fan-out can be looked at, followed and cancelled
 * after the request that started it ended. `position` keeps the hosts in dispatch order. A run's
 * end time is set exactly when it is no longer running; a host's error has both parts or none.
 */
const DDL_V3_STEP = `
CREATE TABLE fleet_runs (
  id          TEXT    NOT NULL PRIMARY KEY,
  created_at  TEXT    NOT NULL,
  operator    TEXT    NOT NULL,
  target      TEXT    NOT NULL,
  writ_sha256 TEXT    NOT NULL,
  writ_bytes  INTEGER NOT NULL CHECK (writ_bytes >= 0),
  state       TEXT    NOT NULL CHECK (state IN ('running', 'finished', 'cancelled')),
  finished_at TEXT,
  CHECK ((state = 'running') = (finished_at IS NULL))
) STRICT;
CREATE INDEX fleet_runs_newest ON fleet_runs (created_at, id);

CREATE TABLE fleet_run_hosts (
  run_id        TEXT    NOT NULL REFERENCES fleet_runs (id) ON DELETE CASCADE,
  host          TEXT    NOT NULL,
  position      INTEGER NOT NULL,
  state         TEXT    NOT NULL CHECK (state IN ('pending', 'dispatched', 'finished', 'skipped')),
  agent_run_id  TEXT,
  exit_code     INTEGER,
  error_code    TEXT,
  error_message TEXT,
  finished_at   TEXT,
  PRIMARY KEY (run_id, host),
  CHECK ((error_code IS NULL) = (error_message IS NULL)),
  CHECK ((state IN ('finished', 'skipped')) = (finished_at IS NOT NULL))
) STRICT;
`;

/** Connection settings, applied on every open; each line is a durability or safety decision. */
export function configureConnection(db: Db): void {
  // Wait up to 5 s for another connection's write lock instead of failing at once with SQLITE_BUSY.
  db.pragma('busy_timeout = 5000');
  // A tampered database must not run SQL functions from its own views or triggers.
  db.pragma('trusted_schema = OFF');
  checkIdentity(db);
  // WAL: readers never block the writer, and a commit is one append to the WAL file.
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal' && !db.memory) throw new RegistryError('REGISTRY_INVALID', `${db.name}: cannot switch to WAL mode (got ${String(mode)})`);
  // FULL: every commit fsyncs before returning, so an approval or revocation survives a power cut.
  db.pragma('synchronous = FULL');
  // An agent must point at a recorded certificate (agents.cert_serial REFERENCES certificates).
  db.pragma('foreign_keys = ON');
}

/**
 * Brings the file to SQLITE_SCHEMA_VERSION inside one IMMEDIATE transaction (two processes
 * opening together cannot both migrate; the second sees the first one's result).
 */
export function migrate(db: Db): void {
  db.transaction(() => {
    const version = checkIdentity(db);
    if (version === SQLITE_SCHEMA_VERSION) return;
    // Each step takes the file from the version before it, all in this one transaction.
    if (version < 1) db.exec(DDL_V1);
    if (version < 2) db.exec(DDL_V2_STEP);
    if (version < 3) db.exec(DDL_V3_STEP);
    db.pragma(`application_id = ${REGISTRY_APPLICATION_ID}`);
    db.pragma(`user_version = ${SQLITE_SCHEMA_VERSION}`);
  }).immediate();
}

/**
 * The file's schema version: 0 for an empty file, else ours. Refuses a file that belongs to
 * something else or comes from a newer writ (never write into what we do not understand).
 */
function checkIdentity(db: Db): number {
  const version = numberPragma(db, 'user_version');
  const appId = numberPragma(db, 'application_id');
  if (appId === REGISTRY_APPLICATION_ID) {
    if (version > SQLITE_SCHEMA_VERSION) {
      throw new RegistryError('REGISTRY_INVALID', `${db.name}: registry schema version ${version} is newer than this writ (${SQLITE_SCHEMA_VERSION}); upgrade writ`);
    }
    if (version >= 1) return version;
  }
  if (appId !== 0 && appId !== REGISTRY_APPLICATION_ID) throw new RegistryError('REGISTRY_INVALID', `${db.name}: not a writ registry (application_id ${appId})`);
  if (version !== 0 || countObjects(db) !== 0) throw new RegistryError('REGISTRY_INVALID', `${db.name}: not a writ registry (user_version ${version}, unversioned tables)`);
  return 0;
}

function numberPragma(db: Db, name: string): number {
  const value = db.pragma(name, { simple: true });
  if (typeof value !== 'number') throw new RegistryError('REGISTRY_INVALID', `${db.name}: PRAGMA ${name} returned ${typeof value}`);
  return value;
}

function countObjects(db: Db): number {
  const row = db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'").get();
  return row?.n ?? 0;
}
