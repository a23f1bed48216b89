import type { RunReport } from './report.js';

const MARK: Readonly<Record<RunReport['status'], string>> = {
  succeeded: 'OK',
  failed: 'FAILED',
  denied: 'DENIED',
  timeout: 'TIMEOUT',
  limit: 'LIMIT',
  rejected: 'REJECTED',
};

/** The same facts as the JSON report, laid out for a person at a terminal. */
export function formatHuman(report: RunReport): string {
  const lines: string[] = [];
  lines.push(`status: ${MARK[report.status]} (${report.status}) in ${report.metrics.durationMs.toFixed(1)} ms, ${report.metrics.operations} host operations`);
  if (report.error) {
    lines.push(`error: ${report.error.code}: ${report.error.message}`);
    if (report.error.action) lines.push(`  action:   ${report.error.action}`);
    if (report.error.resource) lines.push(`  resource: ${report.error.resource}`);
  }
  if (report.stdout) {
    lines.push('--- stdout ---');
    lines.push(report.stdout.replace(/\n$/, ''));
  }
  if (report.truncated) lines.push('(output truncated at the --max-output limit)');
  if (report.logs.length > 0) {
    lines.push('--- logs ---');
    for (const log of report.logs) lines.push(`${log.at} ${log.level.toUpperCase().padEnd(5)} ${log.msg}`);
  }
  if (report.decisions.length > 0) {
    lines.push('--- decisions ---');
    for (const d of report.decisions) {
      const times = d.count > 1 ? ` x${d.count}` : '';
      lines.push(`${d.decision === 'allow' ? 'allow' : 'DENY '} ${d.action} ${d.resource}${times}`);
    }
  }
  if (report.result !== null && report.result !== undefined) {
    lines.push('--- result ---');
    lines.push(JSON.stringify(report.result, null, 2));
  }
  if (report.learnedPolicy !== undefined) {
    lines.push('--- learned policy ---');
    lines.push(report.learnedPolicy.replace(/\n$/, ''));
  }
  return `${lines.join('\n')}\n`;
}
