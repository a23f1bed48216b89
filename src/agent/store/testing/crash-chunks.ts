import type { OutputStream } from '../run-record.js';

/**
 * The deterministic chunks the crash-test writer appends, so the parent can check every byte it was
 * told about. Multi-byte UTF-8 and varying lengths make an offset bug show up as wrong bytes.
 */
export function crashChunk(i: number): { stream: OutputStream; text: string } {
  return { stream: i % 3 === 0 ? 'log' : 'stdout', text: `chunk ${i} ✓ é ${'·'.repeat(i % 7)}\n` };
}

/** The line the writer prints after an append returned: `ack <chunk index> <total output bytes>`. */
export function parseAck(line: string): { index: number; total: number } | null {
  const m = /^ack (\d+) (\d+)$/.exec(line);
  if (!m?.[1] || !m[2]) return null;
  return { index: Number(m[1]), total: Number(m[2]) };
}
