import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { SqliteRunStore } from './index.js';
import { crashChunk, parseAck } from './testing/crash-chunks.js';
import { tempDir } from './testing/temp-store.js';

const WRITER = fileURLToPath(new URL('./testing/crash-writer.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

interface Killed {
  readonly acked: number;
  readonly ackedTotal: number;
}

/** Runs the writer until it has acknowledged at least `minAcks` appends, then SIGKILLs it. */
function runAndKill(dbPath: string, runId: string, minAcks: number): Promise<Killed> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, WRITER, dbPath, runId], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let acked = 0;
    let ackedTotal = 0;
    let killed = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`writer timed out after ${acked} acks; stderr: ${stderr}`));
    }, 60_000);
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const ack = parseAck(line);
      if (!ack || killed) return;
      assert.equal(ack.index, acked, 'acks arrive in order');
      acked = ack.index + 1;
      ackedTotal = ack.total;
      if (acked >= minAcks) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('exit', (exitCode, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && killed) resolve({ acked, ackedTotal });
      else reject(new Error(`writer exited early (code ${exitCode}, signal ${signal}) after ${acked} acks; stderr: ${stderr}`));
    });
  });
}

test('crash: every acknowledged append survives kill -9; the run is then recovered as interrupted', async (t) => {
  const dir = tempDir(t);
  const dbPath = join(dir, 'state', 'runs.db');
  // Three kills at different counts, so the kill lands at different points of the append loop.
  for (const [round, minAcks] of [[0, 200], [1, 263], [2, 331]] as const) {
    const runId = `crash-${round}`;
    const { acked, ackedTotal } = await runAndKill(dbPath, runId, minAcks);
    assert.ok(acked >= minAcks);

    const store = SqliteRunStore.open(dbPath);
    try {
      const before = store.get(runId)!;
      assert.equal(before.state, 'running');
      // The writer may have committed a few more appends after the last ack we read: never fewer.
      assert.ok(before.outputBytes >= ackedTotal, `${before.outputBytes} stored < ${ackedTotal} acknowledged`);
      const chunks = store.readChunks(runId, 0, 1_000_000);
      assert.ok(chunks.length >= acked);
      t.diagnostic(`round ${round}: killed after ${acked} acked appends (${ackedTotal} bytes); ${chunks.length} chunks (${before.outputBytes} bytes) on disk`);
      let offset = 0;
      for (const chunk of chunks) {
        const expected = crashChunk(chunk.seq);
        assert.equal(chunk.stream, expected.stream);
        assert.equal(chunk.offset, offset, `chunk ${chunk.seq} offset`);
        assert.equal(chunk.data.toString('utf8'), expected.text, `chunk ${chunk.seq} bytes`);
        offset += chunk.data.length;
      }
      assert.deepEqual(chunks.map((c) => c.seq), chunks.map((_, i) => i), 'no gaps');
      assert.equal(offset, before.outputBytes, 'stored size matches the stored chunks');
      const expectedPrefix = Buffer.from(Array.from({ length: acked }, (_, i) => crashChunk(i).text).join(''));
      assert.equal(expectedPrefix.length, ackedTotal);
      assert.deepEqual(store.readOutput(runId, 0, ackedTotal).bytes, expectedPrefix);

      assert.equal(store.recoverInterrupted(), 1);
      const after = store.get(runId)!;
      assert.deepEqual([after.state, after.exitCode, after.errorCode], ['interrupted', null, 'INTERRUPTED']);
      const all = store.readOutput(runId, 0);
      assert.equal(all.nextOffset, before.outputBytes);
      assert.equal(all.done, true);
      assert.deepEqual(all.bytes.subarray(0, ackedTotal), expectedPrefix);
    } finally {
      store.close();
    }
  }
  const db = new Database(dbPath, { readonly: true });
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  } finally {
    db.close();
  }
});
