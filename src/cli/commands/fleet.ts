import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { WritError } from '../../core/errors.js';
import type { HostResult } from '../../control/fanout/index.js';
import type { FleetLine } from '../../control/server/fleet-client.js';
import { parseWhole } from '../sealed/duration.js';
import { emit } from '../output.js';
import { CONTROL_DIR_HELP, defaultControlDir } from './control-dir.js';
import { sendDetached } from './fleet-runs.js';

/**
 * Fleet operations through the control host: `writ hosts`, `writ ping TARGET`, `writ send TARGET
 * job.writ`. The control host resolves TARGET (a host, tag:NAME, all, or a comma list), asks the
 * auth hook, and fans out over verified mutual TLS; these commands show its NDJSON answer.
 */
const loadFleet = async (dir: string) => (await import('../../control/server/fleet-client.js')).FleetApiClient.fromDir(dir);
const loadOperator = async (dir: string) => (await import('../../control/server/operator-client.js')).OperatorClient.fromDir(dir);
const loadSummary = async () => import('../../control/fanout/index.js');

interface FleetFlags {
  dir?: string;
  json?: boolean;
  maxConcurrency: string;
  timeout: string;
}

/** Redraws one progress line on a terminal's stderr; silent anywhere else (pipes, --json). */
class Progress {
  private readonly results: HostResult[] = [];
  private readonly live = process.stderr.isTTY;

  constructor(private readonly line: (done: number, total: number, results: readonly HostResult[]) => string) {}

  add(result: HostResult, total: number): void {
    this.results.push(result);
    if (this.live) process.stderr.write(`\r${this.line(this.results.length, total, this.results)}`);
  }

  /** Before printing output lines, so they do not land in the middle of the bar. */
  clear(): void {
    if (this.live && this.results.length > 0) process.stderr.write('\r\x1b[2K');
  }

  get all(): readonly HostResult[] {
    return this.results;
  }
}

async function fanOutCommand(kind: 'ping' | 'run', target: string, flags: FleetFlags & { maxErrors?: string; follow?: boolean }, writ?: Buffer): Promise<void> {
  const { progressLine, summaryTable } = await loadSummary();
  const client = await loadFleet(flags.dir ?? defaultControlDir());
  const progress = new Progress(progressLine);
  let total = 0;
  const onLine = (line: FleetLine): void => {
    if (flags.json) {
      emit(JSON.stringify(line));
      return;
    }
    if (line.type === 'targets') {
      total = Array.isArray(line['hosts']) ? line['hosts'].length : 0;
    } else if (line.type === 'result') {
      progress.add(line as unknown as HostResult, Math.max(total, progress.all.length + 1));
    } else if (line.type === 'output') {
      progress.clear();
      process.stdout.write(String(line['text']).replace(/^(?=.)/gm, `${String(line['host'])}: `));
    }
  };
  const common = { target, maxConcurrency: parseWhole('--max-concurrency', flags.maxConcurrency, 1, 10_000), hostTimeoutMs: parseWhole('--timeout', flags.timeout, 1, 86_400_000) };
  const summary =
    kind === 'ping'
      ? await client.ping(common, onLine)
      : await client.run({ ...common, writ: (writ ?? Buffer.alloc(0)).toString('base64'), ...(flags.maxErrors === undefined ? {} : { maxErrors: parseWhole('--max-errors', flags.maxErrors, 0, 1_000_000) }), follow: flags.follow !== false }, onLine);
  if (!flags.json) {
    progress.clear();
    emit(summaryTable(progress.all).trimEnd());
  }
  // One exit code for the fleet: 0 if every host succeeded, else the hosts' shared code, else 1.
  const code = summary['exitCode'];
  process.exitCode = typeof code === 'number' ? code : 1;
}

export function readWrit(path: string): Buffer {
  try {
    return path === '-' ? readFileSync(0) : readFileSync(path);
  } catch (err) {
    throw new WritError('USAGE', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** `writ send`'s flags, also taken by `writ exec`. */
export type SendFlags = FleetFlags & { maxErrors?: string; follow?: boolean };

/** `writ send` once the writ is in hand; `writ exec` sends the writ it built through here. */
export const sendWrit = (target: string, flags: SendFlags, writ: Buffer): Promise<void> => fanOutCommand('run', target, flags, writ);

const fleetOptions = (cmd: Command, timeoutDefault: string): Command =>
  cmd
    .option('--dir <dir>', CONTROL_DIR_HELP)
    .option('--max-concurrency <n>', 'hosts in flight at once', '50')
    .option('--timeout <ms>', 'per host, from dispatch to final result', timeoutDefault)
    .option('--json', 'the control host\'s NDJSON lines as they come (result per host, then summary)');

export function hostsCommand(): Command {
  return new Command('hosts')
    .description('list the paired agents: name, address, tags, last seen, certificate expiry')
    .option('--dir <dir>', CONTROL_DIR_HELP)
    .option('--json', 'as JSON')
    .action(async (flags: { dir?: string; json?: boolean }) => {
      const agents = await (await loadOperator(flags.dir ?? defaultControlDir())).agents();
      if (flags.json) {
        emit(JSON.stringify(agents));
        return;
      }
      const rows = agents.map((a) => [a.name, a.address, a.tags.join(',') || '-', a.state, a.lastSeenAt ?? 'never', a.certNotAfter]);
      const header = ['NAME', 'ADDRESS', 'TAGS', 'STATE', 'LAST SEEN', 'CERT EXPIRES'];
      const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
      emit([header, ...rows].map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n'));
    });
}

export function pingCommand(): Command {
  return fleetOptions(new Command('ping').description('reach every agent of TARGET over mutual TLS and report each one').argument('<target>', 'a host, tag:NAME, all, or a comma-separated list'), '10000')
    .addHelpText('after', '\nExit codes: 0 every host answered, 1 otherwise (each host is in the table).')
    .action((target: string, flags: FleetFlags) => fanOutCommand('ping', target, flags));
}

/** The options of `writ send` (and `writ exec`): the fleet's, plus --max-errors and --no-follow. */
export const sendOptions = (cmd: Command): Command =>
  fleetOptions(cmd, '600000')
    .option('--max-errors <n>', 'stop dispatching once more than N hosts failed (those in flight finish)')
    .option('--no-follow', 'do not stream the hosts\' output');

export function sendCommand(): Command {
  return sendOptions(
    new Command('send').description('send a sealed writ to every agent of TARGET through the control host; live output, then one line per host').argument('<target>', 'a host, tag:NAME, all, or a comma-separated list').argument('<writ>', 'the .writ file, or - for standard input'),
  )
    .option('--detach', 'start the run and print its id at once (JSON with --json); follow it with writ status / logs -f / cancel')
    .addHelpText('after', '\nEach host\'s exit code is kept exactly (table, --json). The command exits 0 if every host succeeded,\nwith the hosts\' code when all failing hosts agree on one, else 1. With --detach it exits 0 once the run started.')
    .action((target: string, writPath: string, flags: SendFlags & { detach?: boolean }) => (flags.detach === true ? sendDetached(target, flags, readWrit(writPath)) : sendWrit(target, flags, readWrit(writPath))));
}
