import type { PruneResult } from './run-record.js';
import type { Statements } from './statements.js';

/**
 * Retention, run inside one write transaction: first every final run created before `cutoff`,
 * then the oldest final runs until the stored output fits in `maxBytes`. Queued and running runs
 * are never touched, so the budget can stay exceeded while they hold the bytes.
 */
export function pruneRuns(sql: Statements, cutoff: string | null, maxBytes: number | null): PruneResult {
  let runs = 0;
  let bytes = 0;
  if (cutoff !== null) {
    const old = sql.finalCreatedBefore.get(cutoff) ?? { runs: 0, bytes: 0 };
    // Output rows go with their run: ON DELETE CASCADE.
    sql.deleteFinalCreatedBefore.run(cutoff);
    runs += old.runs;
    bytes += old.bytes;
  }
  if (maxBytes !== null) {
    let total = sql.totalBytes.get() ?? 0;
    if (total > maxBytes) {
      const victims: string[] = [];
      // Collect first: the connection cannot write while this query is still being iterated.
      for (const run of sql.oldestFinal.iterate()) {
        if (total <= maxBytes) break;
        victims.push(run.id);
        total -= run.outputBytes;
        bytes += run.outputBytes;
      }
      for (const id of victims) sql.deleteRun.run(id);
      runs += victims.length;
    }
  }
  return { runs, bytes };
}
