import { FINAL_STATES, type OutputSlice } from './run-record.js';
import { runStoreError } from './errors.js';
import type { Statements } from './statements.js';

/**
 * Bytes [offset, offset + maxBytes) of a run's output. The chunk index on (run_id, byte_offset)
 * finds the chunk holding `offset`, then only the chunks overlapping the range are read: a poll
 * costs the size of its answer, never the size of the whole log. Call inside one read transaction.
 */
export function readSlice(sql: Statements, id: string, offset: number, maxBytes: number): OutputSlice {
  const head = sql.head.get(id);
  if (!head) throw runStoreError('RUN_NOT_FOUND', `no run ${id}`);
  const total = head.outputBytes;
  const final = FINAL_STATES.has(head.state);
  // At or past the end: nothing yet (or ever). A final run will have nothing more, so that is done.
  if (offset >= total) return { bytes: Buffer.alloc(0), offset, nextOffset: offset, done: final };
  const end = Math.min(total, offset + maxBytes);
  const parts: Buffer[] = [];
  for (const chunk of sql.slice.iterate({ id, offset, end })) {
    const from = Math.max(0, offset - chunk.offset);
    const to = Math.min(chunk.data.byteLength, end - chunk.offset);
    parts.push(chunk.data.subarray(from, to));
  }
  const bytes = Buffer.concat(parts);
  const nextOffset = offset + bytes.byteLength;
  return { bytes, offset, nextOffset, done: final && nextOffset === total };
}
