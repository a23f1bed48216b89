import type BetterSqlite3 from 'better-sqlite3';
import type { OutputStream, RunRecord, RunState } from './run-record.js';

type Db = BetterSqlite3.Database;
type Stmt<P extends unknown[], R = unknown> = BetterSqlite3.Statement<P, R>;

/** Columns as RunRecord names them; `state` is CHECK-constrained to RunState by the schema. */
const RECORD_COLUMNS = `id, writ_id AS writId, digest, signer, transport, state, exit_code AS exitCode,
  error_code AS errorCode, error_message AS errorMessage, report, created_at AS createdAt,
  started_at AS startedAt, finished_at AS finishedAt, output_bytes AS outputBytes`;

/** "Not queued or running": the final states, spelt the way every query below needs it. */
const IS_FINAL = "state NOT IN ('queued', 'running')";

export interface InsertRun {
  id: string;
  writId: string | null;
  digest: string | null;
  signer: string | null;
  transport: string;
  state: RunState;
  exitCode: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  report: string | null;
  createdAt: string;
  finishedAt: string | null;
}

export interface FinishRun {
  id: string;
  state: RunState;
  exitCode: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  report: string | null;
  finishedAt: string;
}

export interface InsertChunk {
  runId: string;
  seq: number;
  offset: number;
  stream: OutputStream;
  data: Buffer;
}

export interface ChunkRow {
  seq: number;
  stream: OutputStream;
  offset: number;
  data: Buffer;
}

/** Every statement the store runs, with its parameters and row type. */
export interface Statements {
  readonly insertRun: Stmt<[InsertRun]>;
  readonly getRun: Stmt<[string], RunRecord>;
  readonly head: Stmt<[string], { state: RunState; outputBytes: number }>;
  readonly markRunning: Stmt<[{ id: string; startedAt: string }]>;
  readonly finish: Stmt<[FinishRun]>;
  readonly nextSeq: Stmt<[string], number>;
  readonly insertChunk: Stmt<[InsertChunk]>;
  readonly addBytes: Stmt<[{ id: string; bytes: number }]>;
  readonly slice: Stmt<[{ id: string; offset: number; end: number }], { offset: number; data: Buffer }>;
  readonly chunks: Stmt<[{ id: string; fromSeq: number; limit: number }], ChunkRow>;
  readonly list: Stmt<[{ limit: number }], RunRecord>;
  readonly listByState: Stmt<[{ limit: number; state: RunState }], RunRecord>;
  readonly listBefore: Stmt<[{ limit: number; before: string }], RunRecord>;
  readonly listByStateBefore: Stmt<[{ limit: number; state: RunState; before: string }], RunRecord>;
  readonly interruptActive: Stmt<[{ finishedAt: string; message: string }]>;
  readonly finalCreatedBefore: Stmt<[string], { runs: number; bytes: number }>;
  readonly deleteFinalCreatedBefore: Stmt<[string]>;
  readonly totalBytes: Stmt<[], number>;
  readonly oldestFinal: Stmt<[], { id: string; outputBytes: number }>;
  readonly deleteRun: Stmt<[string]>;
  readonly countByState: Stmt<[], { state: RunState; runs: number; bytes: number }>;
}

/** Prepared once per connection: SQLite parses and plans each statement a single time. */
export function prepareStatements(db: Db): Statements {
  const listSql = (where: string): string => `SELECT ${RECORD_COLUMNS} FROM runs ${where} ORDER BY created_at DESC, rowid DESC LIMIT @limit`;
  return {
    insertRun: db.prepare<[InsertRun]>(
      `INSERT INTO runs (id, writ_id, digest, signer, transport, state, exit_code, error_code, error_message, report, created_at, finished_at)
       VALUES (@id, @writId, @digest, @signer, @transport, @state, @exitCode, @errorCode, @errorMessage, @report, @createdAt, @finishedAt)`,
    ),
    getRun: db.prepare<[string], RunRecord>(`SELECT ${RECORD_COLUMNS} FROM runs WHERE id = ?`),
    head: db.prepare<[string], { state: RunState; outputBytes: number }>('SELECT state, output_bytes AS outputBytes FROM runs WHERE id = ?'),
    markRunning: db.prepare<[{ id: string; startedAt: string }]>("UPDATE runs SET state = 'running', started_at = @startedAt WHERE id = @id AND state = 'queued'"),
    finish: db.prepare<[FinishRun]>(
      `UPDATE runs SET state = @state, exit_code = @exitCode, error_code = @errorCode, error_message = @errorMessage,
         report = @report, finished_at = @finishedAt WHERE id = @id`,
    ),
    nextSeq: db.prepare<[string], number>('SELECT COALESCE((SELECT seq FROM output WHERE run_id = ? ORDER BY seq DESC LIMIT 1) + 1, 0)').pluck(),
    insertChunk: db.prepare<[InsertChunk]>('INSERT INTO output (run_id, seq, byte_offset, stream, data) VALUES (@runId, @seq, @offset, @stream, @data)'),
    addBytes: db.prepare<[{ id: string; bytes: number }]>('UPDATE runs SET output_bytes = output_bytes + @bytes WHERE id = @id'),
    // The chunk holding @offset (the last one starting at or before it), then the ones after it up to @end.
    slice: db.prepare<[{ id: string; offset: number; end: number }], { offset: number; data: Buffer }>(
      `SELECT byte_offset AS offset, data FROM output
       WHERE run_id = @id
         AND byte_offset >= COALESCE((SELECT byte_offset FROM output WHERE run_id = @id AND byte_offset <= @offset
                                      ORDER BY byte_offset DESC LIMIT 1), 0)
         AND byte_offset < @end
       ORDER BY byte_offset`,
    ),
    chunks: db.prepare<[{ id: string; fromSeq: number; limit: number }], ChunkRow>(
      'SELECT seq, stream, byte_offset AS offset, data FROM output WHERE run_id = @id AND seq >= @fromSeq ORDER BY seq LIMIT @limit',
    ),
    list: db.prepare<[{ limit: number }], RunRecord>(listSql('')),
    listByState: db.prepare<[{ limit: number; state: RunState }], RunRecord>(listSql('WHERE state = @state')),
    listBefore: db.prepare<[{ limit: number; before: string }], RunRecord>(listSql('WHERE created_at < @before')),
    listByStateBefore: db.prepare<[{ limit: number; state: RunState; before: string }], RunRecord>(listSql('WHERE state = @state AND created_at < @before')),
    interruptActive: db.prepare<[{ finishedAt: string; message: string }]>(
      `UPDATE runs SET state = 'interrupted', finished_at = @finishedAt, exit_code = NULL, error_code = 'INTERRUPTED',
         error_message = @message WHERE state IN ('queued', 'running')`,
    ),
    finalCreatedBefore: db.prepare<[string], { runs: number; bytes: number }>(
      `SELECT COUNT(*) AS runs, COALESCE(SUM(output_bytes), 0) AS bytes FROM runs WHERE ${IS_FINAL} AND created_at < ?`,
    ),
    deleteFinalCreatedBefore: db.prepare<[string]>(`DELETE FROM runs WHERE ${IS_FINAL} AND created_at < ?`),
    totalBytes: db.prepare<[], number>('SELECT COALESCE(SUM(output_bytes), 0) FROM runs').pluck(),
    oldestFinal: db.prepare<[], { id: string; outputBytes: number }>(
      `SELECT id, output_bytes AS outputBytes FROM runs WHERE ${IS_FINAL} ORDER BY created_at, rowid`,
    ),
    deleteRun: db.prepare<[string]>('DELETE FROM runs WHERE id = ?'),
    countByState: db.prepare<[], { state: RunState; runs: number; bytes: number }>(
      'SELECT state, COUNT(*) AS runs, COALESCE(SUM(output_bytes), 0) AS bytes FROM runs GROUP BY state',
    ),
  };
}
