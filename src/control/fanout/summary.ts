import type { HostResult } from './fan-out.js';

/** A plain table for people: one line per host, exit codes exactly as each host reported them. */
export function summaryTable(results: readonly HostResult[]): string {
  const rows = results.map((r) => [r.host, r.status, r.exitCode === null ? '-' : String(r.exitCode), `${r.durationMs} ms`, r.error ? `${r.error.code}: ${r.error.message}` : '']);
  const header = ['HOST', 'STATUS', 'EXIT', 'TIME', 'ERROR'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd();
  const counts = new Map<string, number>();
  for (const r of results) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const totals = [...counts.entries()].map(([status, n]) => `${n} ${status}`).join(', ');
  return `${[line(header), ...rows.map(line)].join('\n')}\n${results.length} host(s): ${totals}\n`;
}

/** One line redrawn in place on a terminal: `[#####-----] 12/40 ok 10 failed 1 error 1`. */
export function progressLine(done: number, total: number, results: readonly HostResult[], width = 30): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  const count = (status: string): number => results.filter((r) => r.status === status).length;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ok ${count('ok')} failed ${count('failed')} error ${count('error') + count('timeout')}`;
}
