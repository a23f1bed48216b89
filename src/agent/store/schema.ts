import type BetterSqlite3 from 'better-sqlite3';
import { runStoreError } from './errors.js';
import { RUN_STATES } from './run-record.js';

type Db = BetterSqlite3.Database;

/** Bump with a new step in `migrate` whenever the DDL changes; the file records it in `user_version`. */
export const SCHEMA_VERSION = 1;

/** 'writ' in ASCII: marks the file as ours, so we never migrate someone else's database. */
export const APPLICATION_ID = 0x77726974;

/** How hard each commit is pushed to disk. FULL is the store's setting; NORMAL exists to measure it. */
export type SynchronousMode = 'FULL' | 'NORMAL';

const quoted = (values: readonly string[]): string => values.map((v) => `'${v}'`).join(', ');

/** Version 1. STRICT tables: a wrong type is an error, not a silently coerced value. */
const DDL_V1 = `
CREATE TABLE runs (
  id            TEXT    NOT NULL PRIMARY KEY,
  writ_id       TEXT,
  digest        TEXT,
  signer        TEXT,
  transport     TEXT    NOT NULL,
  state         TEXT    NOT NULL CHECK (state IN (${quoted(RUN_STATES)})),
  exit_code     INTEGER,
  error_code    TEXT,
  error_message TEXT,
  report        TEXT,
  created_at    TEXT    NOT NULL,
  started_at    TEXT,
  finished_at   TEXT,
  output_bytes  INTEGER NOT NULL DEFAULT 0 CHECK (output_bytes >= 0)
) STRICT;
CREATE INDEX runs_by_state ON runs (state);
CREATE INDEX runs_by_created ON runs (created_at);

CREATE TABLE output (
  run_id      TEXT    NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  seq         INTEGER NOT NULL CHECK (seq >= 0),
  byte_offset INTEGER NOT NULL CHECK (byte_offset >= 0),
  stream      TEXT    NOT NULL CHECK (stream IN ('stdout', 'log')),
  data        BLOB    NOT NULL,
  PRIMARY KEY (run_id, seq)
) STRICT;
-- Readers seek by byte offset: find the chunk holding an offset without reading the ones before it.
CREATE INDEX output_by_offset ON output (run_id, byte_offset);
`;

/**
 * Connection settings, applied on every open (only WAL mode and auto_vacuum are stored in the file).
 * Each line is a durability or safety decision. A file that is not ours is refused before any
 * setting could change it.
 */
export function configureConnection(db: Db, synchronous: SynchronousMode): void {
  // Wait up to 5 s for another connection's write lock instead of failing at once with SQLITE_BUSY.
  db.pragma('busy_timeout = 5000');
  // A tampered database must not run SQL functions from its own views or triggers.
  db.pragma('trusted_schema = OFF');
  const version = checkIdentity(db);
  // Pages freed by prune go back to the file system; only possible on a brand-new file, before the
  // WAL switch writes its first page.
  if (version === 0 && numberPragma(db, 'page_count') === 0) db.pragma('auto_vacuum = INCREMENTAL');
  // WAL: readers (log pollers) never block the writer, and a commit is one append to the WAL file.
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal' && !db.memory) throw runStoreError('STORE_UNUSABLE', `${db.name}: cannot switch to WAL mode (got ${String(mode)})`);
  // FULL: every commit fsyncs the WAL before returning, so an acknowledged append survives power loss
  // too. NORMAL would already survive kill -9 (the WAL is in the OS page cache) but not a power cut.
  db.pragma(`synchronous = ${synchronous}`);
  // Output rows must belong to a run, and deleting a run deletes its output (ON DELETE CASCADE).
  db.pragma('foreign_keys = ON');
  // After a checkpoint, cut the WAL back to 64 MiB, so one burst of output does not pin disk forever.
  db.pragma('journal_size_limit = 67108864');
}

/**
 * Brings the file to SCHEMA_VERSION inside one IMMEDIATE transaction (two agents starting together
 * cannot both migrate; the second sees the first one's result).
 */
export function migrate(db: Db): void {
  db.transaction(() => {
    const version = checkIdentity(db);
    if (version === SCHEMA_VERSION) return;
    if (version === 0) db.exec(DDL_V1);
    // Future versions: `if (version < 2) db.exec(DDL_V2_STEP)` and so on, each step in this transaction.
    db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}

/**
 * The file's schema version: 0 for an empty file, else ours. Refuses a file that belongs to
 * something else or comes from a newer writ (never write into what we do not understand).
 */
function checkIdentity(db: Db): number {
  const version = numberPragma(db, 'user_version');
  const appId = numberPragma(db, 'application_id');
  if (appId === APPLICATION_ID) {
    if (version > SCHEMA_VERSION) {
      throw runStoreError('STORE_UNUSABLE', `${db.name}: run store schema version ${version} is newer than this writ (${SCHEMA_VERSION}); upgrade writ`);
    }
    if (version >= 1) return version;
  }
  if (appId !== 0 && appId !== APPLICATION_ID) throw runStoreError('STORE_UNUSABLE', `${db.name}: not a writ run store (application_id ${appId})`);
  if (version !== 0 || countObjects(db) !== 0) throw runStoreError('STORE_UNUSABLE', `${db.name}: not a writ run store (user_version ${version}, unversioned tables)`);
  return 0;
}

function numberPragma(db: Db, name: string): number {
  const value = db.pragma(name, { simple: true });
  if (typeof value !== 'number') throw runStoreError('STORE_UNUSABLE', `${db.name}: PRAGMA ${name} returned ${typeof value}`);
  return value;
}

function countObjects(db: Db): number {
  const row = db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'").get();
  return row?.n ?? 0;
}
