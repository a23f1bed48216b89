import Database from 'better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import { prepareDatabaseFile } from './database-file.js';
import { RunStoreError, runStoreError } from './errors.js';
import {
  FINAL_STATES,
  RUN_STATES,
  type ListOptions,
  type NewRun,
  type OutputChunk,
  type OutputSlice,
  type OutputStream,
  type PruneOptions,
  type PruneResult,
  type RejectionInfo,
  type RunRecord,
  type RunResult,
  type StoreStats,
} from './run-record.js';
import { readSlice } from './output-slice.js';
import { pruneRuns } from './retention.js';
import { configureConnection, migrate, type SynchronousMode } from './schema.js';
import { prepareStatements, type FinishRun, type Statements } from './statements.js';
import * as v from './validate.js';

export interface OpenOptions {
  /** 'FULL' (default) survives power loss; 'NORMAL' only a process crash. NORMAL is for measuring FULL's cost. */
  readonly synchronous?: SynchronousMode;
}

export const DEFAULT_READ_BYTES = 1024 * 1024;
/** Larger reads are clamped: one poll must not make the agent build an arbitrarily large buffer. */
export const MAX_READ_BYTES = 16 * 1024 * 1024;
export const DEFAULT_LIST_LIMIT = 100;
export const MAX_LIST_LIMIT = 1000;
export const DEFAULT_CHUNK_LIMIT = 1000;
/** Exit code of a run refused before it started (the runner's "rejected" exit code). */
export const REJECTED_EXIT_CODE = 4;

const INTERRUPTED_MESSAGE = 'the agent stopped before the run finished';
const iso = (d: Date): string => d.toISOString();

/**
 * The agent's durable record of runs and their output, in one SQLite file (WAL mode). Every write
 * is its own transaction and is on disk (fsynced) when the method returns: what a client was told
 * is never lost by a crash or a power cut. Synchronous by design: one call is one commit, so the
 * order of appends is the order of calls. A write costs about one fsync; reads cost microseconds.
 */
export class SqliteRunStore {
  private readonly db: BetterSqlite3.Database;
  private readonly sql: Statements;
  // IMMEDIATE: each read-then-write takes the write lock up front, so a second connection waits
  // (busy_timeout) instead of failing with SQLITE_BUSY when its read snapshot turns stale.
  private readonly appendTx: (id: string, stream: OutputStream, data: Buffer) => number;
  private readonly finishTx: (row: FinishRun) => void;
  private readonly pruneTx: (cutoff: string | null, maxBytes: number | null) => PruneResult;
  // Deferred (read-only) transaction: the run's size and its chunks come from one snapshot.
  private readonly readTx: (id: string, offset: number, maxBytes: number) => OutputSlice;

  private constructor(db: BetterSqlite3.Database) {
    this.db = db;
    this.sql = prepareStatements(db);
    const append = db.transaction((id: string, stream: OutputStream, data: Buffer) => this.appendInTx(id, stream, data));
    this.appendTx = (...args) => append.immediate(...args);
    const finish = db.transaction((row: FinishRun) => {
      this.activeHead(row.id);
      this.sql.finish.run(row);
    });
    this.finishTx = (...args) => {
      finish.immediate(...args);
    };
    const prune = db.transaction((cutoff: string | null, maxBytes: number | null) => pruneRuns(this.sql, cutoff, maxBytes));
    this.pruneTx = (...args) => prune.immediate(...args);
    const read = db.transaction((id: string, offset: number, maxBytes: number) => readSlice(this.sql, id, offset, maxBytes));
    this.readTx = (...args) => read.deferred(...args);
  }

  /** Opens (creating if needed) the store at `path`; `':memory:'` gives a private store for tests. */
  static open(path: string, options: OpenOptions = {}): SqliteRunStore {
    if (typeof path !== 'string' || path === '') throw new TypeError('run store path must be a non-empty string');
    const synchronous = options.synchronous ?? 'FULL';
    if (synchronous !== 'FULL' && synchronous !== 'NORMAL') throw new TypeError("synchronous must be 'FULL' or 'NORMAL'");
    if (path !== ':memory:') prepareDatabaseFile(path);
    let db: BetterSqlite3.Database | undefined;
    try {
      db = new Database(path, { timeout: 5000 });
      configureConnection(db, synchronous);
      migrate(db);
      return new SqliteRunStore(db);
    } catch (err) {
      db?.close();
      if (err instanceof RunStoreError) throw err;
      throw runStoreError('STORE_UNUSABLE', `${path}: cannot open the run store: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  }

  /** Records a new run: `queued`, or `rejected` (already final, exit code 4) with the reason. */
  create(run: NewRun, state: 'queued' | 'rejected' = 'queued', error?: RejectionInfo): RunRecord {
    this.ensureOpen();
    const r = v.checkNewRun(run);
    if (state !== 'queued' && state !== 'rejected') throw new TypeError("create's state must be 'queued' or 'rejected'");
    if (state === 'rejected' && error === undefined) throw new TypeError('a rejected run needs its error');
    if (state === 'queued' && error !== undefined) throw new TypeError('a queued run has no error');
    const now = iso(new Date());
    const rejected = state === 'rejected';
    try {
      this.sql.insertRun.run({
        ...r,
        state,
        exitCode: rejected ? REJECTED_EXIT_CODE : null,
        errorCode: rejected ? v.requiredText(error?.code, 'error.code') : null,
        errorMessage: rejected ? v.errorMessageText(error?.message) : null,
        report: rejected ? v.reportText(error?.report) : null,
        createdAt: now,
        finishedAt: rejected ? now : null,
      });
    } catch (err) {
      if (err instanceof Database.SqliteError && err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw runStoreError('RUN_EXISTS', `run ${r.id} already exists`);
      throw err;
    }
    return this.mustGet(r.id);
  }

  /** queued → running (sets startedAt). */
  markRunning(id: string): void {
    this.ensureOpen();
    v.checkRunId(id);
    if (this.sql.markRunning.run({ id, startedAt: iso(new Date()) }).changes === 1) return;
    const head = this.sql.head.get(id);
    if (!head) throw runStoreError('RUN_NOT_FOUND', `no run ${id}`);
    if (FINAL_STATES.has(head.state)) throw runStoreError('RUN_FINISHED', `run ${id} is already ${head.state}`);
    throw runStoreError('RUN_NOT_QUEUED', `run ${id} is already ${head.state}`);
  }

  /** Appends one chunk (strings as UTF-8) and returns the run's new total output size in bytes. */
  appendOutput(id: string, stream: OutputStream, data: string | Uint8Array): number {
    this.ensureOpen();
    v.checkRunId(id);
    v.checkStream(stream);
    let bytes: Buffer;
    if (typeof data === 'string') bytes = Buffer.from(data, 'utf8');
    else if (data instanceof Uint8Array) bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    else throw new TypeError('output data must be a string or Uint8Array');
    return this.appendTx(id, stream, bytes);
  }

  /** Up to `maxBytes` of output from byte `offset` (which may fall inside a chunk or a UTF-8 character). */
  readOutput(id: string, offset: number, maxBytes: number = DEFAULT_READ_BYTES): OutputSlice {
    this.ensureOpen();
    v.checkRunId(id);
    v.checkOffset(offset, 'offset');
    v.checkPositive(maxBytes, 'maxBytes');
    return this.readTx(id, offset, Math.min(maxBytes, MAX_READ_BYTES));
  }

  /** Stored chunks from sequence number `fromSeq` on, at most `limit` of them; page with last seq + 1. */
  readChunks(id: string, fromSeq: number, limit: number = DEFAULT_CHUNK_LIMIT): OutputChunk[] {
    this.ensureOpen();
    v.checkRunId(id);
    v.checkOffset(fromSeq, 'fromSeq');
    v.checkPositive(limit, 'limit');
    if (!this.sql.head.get(id)) throw runStoreError('RUN_NOT_FOUND', `no run ${id}`);
    return this.sql.chunks.all({ id, fromSeq, limit });
  }

  /** Records the outcome of a queued or running run; a final run keeps its first outcome. */
  finish(id: string, result: RunResult): RunRecord {
    this.ensureOpen();
    v.checkRunId(id);
    if (typeof result !== 'object' || result === null) throw new TypeError('result must be an object');
    this.finishTx({
      id,
      state: v.checkFinishState(result.state),
      exitCode: v.checkExitCode(result.exitCode),
      errorCode: v.optionalText(result.errorCode, 'errorCode'),
      errorMessage: v.errorMessageText(result.errorMessage),
      report: v.reportText(result.report),
      finishedAt: iso(new Date()),
    });
    return this.mustGet(id);
  }

  /** The run, or null if there is none. A malformed id names no run, so it is null too (not an error). */
  get(id: string): RunRecord | null {
    this.ensureOpen();
    if (typeof id !== 'string') throw new TypeError('run id must be a string');
    if (!v.isRunId(id)) return null;
    return this.sql.getRun.get(id) ?? null;
  }

  /** Newest first. */
  list(options: ListOptions = {}): RunRecord[] {
    this.ensureOpen();
    const limit = Math.min(options.limit === undefined ? DEFAULT_LIST_LIMIT : v.checkPositive(options.limit, 'limit'), MAX_LIST_LIMIT);
    const state = options.state === undefined ? undefined : v.checkState(options.state);
    const before = options.before === undefined ? undefined : v.checkInstant(options.before, 'before');
    if (state !== undefined && before !== undefined) return this.sql.listByStateBefore.all({ limit, state, before });
    if (state !== undefined) return this.sql.listByState.all({ limit, state });
    if (before !== undefined) return this.sql.listBefore.all({ limit, before });
    return this.sql.list.all({ limit });
  }

  /**
   * Startup: runs left queued or running by a previous agent process can never finish, so they
   * become `interrupted` (their output stays readable). Returns how many.
   */
  recoverInterrupted(now: Date = new Date()): number {
    this.ensureOpen();
    v.checkDate(now, 'now');
    return this.sql.interruptActive.run({ finishedAt: iso(now), message: INTERRUPTED_MESSAGE }).changes;
  }

  /** Retention: deletes final runs by age, then the oldest final runs until output fits `maxBytes`. */
  prune(options: PruneOptions = {}): PruneResult {
    this.ensureOpen();
    const now = v.checkDate(options.now ?? new Date(), 'now');
    const maxAgeMs = options.maxAgeMs === undefined ? null : v.checkNonNegativeNumber(options.maxAgeMs, 'maxAgeMs');
    const maxBytes = options.maxBytes === undefined ? null : v.checkOffset(options.maxBytes, 'maxBytes');
    const cutoff = maxAgeMs === null ? null : iso(new Date(now.getTime() - maxAgeMs));
    const result = this.pruneTx(cutoff, maxBytes);
    // Give the freed pages back to the file system (auto_vacuum = INCREMENTAL), so the disk shrinks too.
    if (result.runs > 0) this.db.pragma('incremental_vacuum');
    return result;
  }

  stats(): StoreStats {
    this.ensureOpen();
    const byState: Record<string, number> = Object.fromEntries(RUN_STATES.map((s) => [s, 0]));
    let runs = 0;
    let outputBytes = 0;
    for (const row of this.sql.countByState.all()) {
      byState[row.state] = row.runs;
      runs += row.runs;
      outputBytes += row.bytes;
    }
    return { runs, byState, outputBytes };
  }

  /** Closes the connection (SQLite checkpoints the WAL on the last close). Safe to call twice. */
  close(): void {
    if (this.db.open) this.db.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  private ensureOpen(): void {
    if (!this.db.open) throw runStoreError('STORE_CLOSED', 'the run store is closed');
  }

  private mustGet(id: string): RunRecord {
    const record = this.sql.getRun.get(id);
    if (!record) throw runStoreError('RUN_NOT_FOUND', `no run ${id}`);
    return record;
  }

  private activeHead(id: string): { outputBytes: number } {
    const head = this.sql.head.get(id);
    if (!head) throw runStoreError('RUN_NOT_FOUND', `no run ${id}`);
    if (FINAL_STATES.has(head.state)) throw runStoreError('RUN_FINISHED', `run ${id} is already ${head.state}`);
    return head;
  }

  private appendInTx(id: string, stream: OutputStream, data: Buffer): number {
    const { outputBytes } = this.activeHead(id);
    // An empty chunk carries nothing; skipping it keeps chunk offsets strictly increasing.
    if (data.byteLength === 0) return outputBytes;
    const seq = this.sql.nextSeq.get(id) ?? 0;
    this.sql.insertChunk.run({ runId: id, seq, offset: outputBytes, stream, data });
    this.sql.addBytes.run({ id, bytes: data.byteLength });
    return outputBytes + data.byteLength;
  }
}
