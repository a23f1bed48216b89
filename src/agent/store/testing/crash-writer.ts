/**
 * Child process for the crash test: `node --import tsx crash-writer.ts <db path> <run id>`.
 * Creates a running run and appends numbered chunks forever, printing an ack line only after each
 * append has returned (stdout to a pipe is synchronous on Linux, so the ack follows the commit).
 * The parent kills it with SIGKILL at an arbitrary point and checks that every acked chunk survived.
 */
import { SqliteRunStore } from '../sqlite-run-store.js';
import { crashChunk } from './crash-chunks.js';

const [dbPath, runId] = process.argv.slice(2);
if (!dbPath || !runId) {
  process.stderr.write('usage: crash-writer <db path> <run id>\n');
  process.exit(2);
}
const store = SqliteRunStore.open(dbPath);
store.create({ id: runId, writId: 'crash-test', digest: null, signer: null, transport: 'test' });
store.markRunning(runId);
// Bounded, so an orphaned writer (parent gone) stops by itself instead of filling the disk.
for (let i = 0; i < 1_000_000; i++) {
  const { stream, text } = crashChunk(i);
  const total = store.appendOutput(runId, stream, text);
  process.stdout.write(`ack ${i} ${total}\n`);
}
store.close();
