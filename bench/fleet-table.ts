/** The fleet fan-out curve as a Markdown table, one row per size (printed by bench/fleet-fanout.ts run alone). */
import type { FleetFanoutResult } from './fleet-result.js';
import { fmt } from './stats.js';

/** The curve as a Markdown table. */
export function fleetTable(r: FleetFanoutResult): string {
  const num = (n: number | null, digits: number, unit = ''): string => (n === null ? '-' : `${fmt(n, digits)}${unit}`);
  const rows = r.curve.map((p) =>
    [
      p.size,
      p.agentsPerProcess || '-',
      num(p.writMedianMs, 0, ' ms'),
      num(p.hostsPerSec, 0),
      num(p.psshMedianMs, 0, ' ms'),
      p.ratio === null ? '-' : `${fmt(p.ratio)}x`,
      num(p.controlCpuMsPerHost, 2, ' ms'),
      num(p.agentCpuMsPerHost, 1, ' ms'),
      p.agentsRssMiB || '-',
      num(p.setupS, 0, ' s'),
      p.ok ? 'ok' : (p.error ?? 'failed'),
    ].join(' | '),
  );
  return [
    '| agents | agents/process | writ fan-out, warm, median | hosts/s | parallel-ssh `true`, median | ratio | control CPU/host | agent CPU/host | agents RSS MiB | agents start-up | result |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) => `| ${row} |`),
  ].join('\n');
}
