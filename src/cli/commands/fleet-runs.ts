import { Command } from 'commander';
import { WritError } from '../../core/errors.js';
import type { HostResult } from '../../control/fanout/index.js';
import type { FleetLine } from '../../control/server/fleet-client.js';
import type { FleetRunView } from '../../control/server/fleet-run-messages.js';
import type { FleetRunRecord } from '../../control/registry/index.js';
import { parseWhole } from '../sealed/duration.js';
import { emit, emitError } from '../output.js';
import { CONTROL_DIR_HELP, defaultControlDir } from './control-dir.js';

/**
 * Fleet runs after `writ send` started them: `writ status [RUN]`, `writ logs RUN [-f]`,
 * `writ cancel RUN`, and `writ send --detach` (start one and return its id at once). The control
 * host keeps each run's record; these commands read it, follow its hosts, or cancel them.
 */
const loadFleet = async (dir: string) => (await import('../../control/server/fleet-client.js')).FleetApiClient.fromDir(dir);
const loadOperator = async (dir: string) => (await import('../../control/server/operator-client.js')).OperatorClient.fromDir(dir);
const loadFanout = async () => import('../../control/fanout/index.js');

interface DirFlags {
  dir?: string;
  json?: boolean;
}

/** Refusals from the control host (FLEET_RUN_NOT_FOUND, CONTROL_UNREACHABLE, ...) exit 1 with their code; usage errors keep exit 2. */
async function reporting(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    if (!(err instanceof WritError) || err.code === 'USAGE') throw err;
    emitError(err.code, err.message);
    process.exitCode = 1;
  }
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  return [header, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()).join('\n');
}

type HostView = FleetRunView['hosts'][number];

/** What a person wants to know of a host: how it ended (ok/failed/...), or what its agent says now. */
function hostState(h: HostView): string {
  if (h.state === 'finished') return h.exitCode === 0 ? 'ok' : h.exitCode !== null ? 'failed' : h.error?.code === 'HOST_TIMEOUT' ? 'timeout' : 'error';
  if (h.state === 'dispatched') return h.live?.state ?? 'dispatched';
  return h.state;
}

const errorText = (e: { code: string; message: string } | null | undefined): string => (e ? `${e.code}: ${e.message}` : '');

/** The host as a fan-out result, for the overall exit code (only once every host is final). */
const asResult = (h: FleetRunRecord['hosts'][number]): HostResult => {
  const status = h.state === 'skipped' ? 'skipped' : h.exitCode === 0 ? 'ok' : h.exitCode !== null ? 'failed' : h.error?.code === 'HOST_TIMEOUT' ? 'timeout' : 'error';
  return { host: h.host, status, exitCode: h.exitCode, error: h.error, durationMs: 0 };
};

async function showRun(dir: string, id: string, json: boolean): Promise<void> {
  const run = await (await loadOperator(dir)).fleetRun(id);
  if (json) {
    emit(JSON.stringify(run));
    return;
  }
  const { overallExitCode } = await loadFanout();
  const rows = run.hosts.map((h) => {
    const exit = h.exitCode ?? (h.live?.done === true ? h.live.exitCode : null);
    return [h.host, hostState(h), exit === null ? '-' : String(exit), h.agentRunId ?? '-', errorText(h.error ?? h.live?.error ?? h.liveError)];
  });
  const final = run.hosts.every((h) => h.state === 'finished' || h.state === 'skipped');
  const overall = final ? `, exit ${overallExitCode(run.hosts.map(asResult))}` : '';
  emit(`run ${run.id}  ${run.target}  ${run.createdAt}  by ${run.operator}\n${table(['NAME', 'STATE', 'EXIT', 'AGENT-RUN', 'ERROR'], rows)}\noverall: ${run.state}${overall} (${run.hosts.length} host(s))`);
}

async function listRuns(dir: string, json: boolean): Promise<void> {
  const runs = await (await loadOperator(dir)).fleetRuns();
  if (json) {
    emit(JSON.stringify(runs));
    return;
  }
  const count = (r: FleetRunRecord, pick: (h: HostResult) => boolean): string => String(r.hosts.map(asResult).filter((h, i) => r.hosts[i]?.state !== 'pending' && r.hosts[i]?.state !== 'dispatched' && pick(h)).length);
  const rows = runs.map((r) => [r.id, r.createdAt, r.state, String(r.hosts.length), count(r, (h) => h.status === 'ok'), count(r, (h) => h.status !== 'ok'), r.target]);
  emit(table(['RUN', 'CREATED', 'STATE', 'HOSTS', 'OK', 'NOT-OK', 'TARGET'], rows));
}

async function logs(dir: string, id: string, flags: DirFlags & { follow?: boolean; host?: string }): Promise<void> {
  const client = await loadFleet(dir);
  const follow = flags.follow === true;
  const onLine = (line: FleetLine): void => {
    if (flags.json) emit(JSON.stringify(line));
    else if (line.type === 'output') process.stdout.write(String(line['text']).replace(/^(?=.)/gm, `${String(line['host'])}: `));
  };
  const summary = await client.runEvents(id, { follow, ...(flags.host === undefined ? {} : { host: flags.host }) }, onLine);
  // Following, the command ends as `writ send` would have: the hosts' shared exit code, else 1.
  const code = summary['exitCode'];
  if (follow) process.exitCode = typeof code === 'number' ? code : 1;
}

async function cancel(dir: string, id: string, json: boolean): Promise<void> {
  const answer = await (await loadOperator(dir)).cancelFleetRun(id);
  if (json) emit(JSON.stringify(answer));
  else emit(`${table(['HOST', 'OUTCOME', 'ERROR'], answer.hosts.map((h) => [h.host, h.outcome, errorText(h.error)]))}\n${answer.stoppedDispatch ? 'dispatching stopped' : 'this control host was not dispatching it'}`);
  if (answer.hosts.some((h) => h.outcome === 'error')) process.exitCode = 1;
}

/** `writ send --detach`: the fan-out goes on on the control host; prints the run's id. */
export async function sendDetached(target: string, flags: DirFlags & { maxConcurrency: string; timeout: string; maxErrors?: string }, writ: Buffer): Promise<void> {
  const body = {
    target,
    writ: writ.toString('base64'),
    maxConcurrency: parseWhole('--max-concurrency', flags.maxConcurrency, 1, 10_000),
    hostTimeoutMs: parseWhole('--timeout', flags.timeout, 1, 86_400_000),
    ...(flags.maxErrors === undefined ? {} : { maxErrors: parseWhole('--max-errors', flags.maxErrors, 0, 1_000_000) }),
  };
  const answer = await (await loadOperator(flags.dir ?? defaultControlDir())).sendDetached(body);
  emit(flags.json ? JSON.stringify(answer) : answer.run);
}

const RUN_HELP = 'the fleet run id (the `run` of `writ send --json`, or what `writ send --detach` printed)';

export function statusCommand(): Command {
  return new Command('status')
    .description('fleet runs: without RUN the recent ones; with RUN each host (state, exit code, agent run, error) and the overall result')
    .argument('[run]', RUN_HELP)
    .option('--dir <dir>', CONTROL_DIR_HELP)
    .option('--json', 'as JSON')
    .addHelpText('after', '\nHosts still running are asked live through the control host. Exits 0; an unknown RUN exits 1 (FLEET_RUN_NOT_FOUND).')
    .action((run: string | undefined, flags: DirFlags) => reporting(() => (run === undefined ? listRuns(flags.dir ?? defaultControlDir(), flags.json === true) : showRun(flags.dir ?? defaultControlDir(), run, flags.json === true))));
}

export function logsCommand(): Command {
  return new Command('logs')
    .description("a fleet run's output, each line prefixed with its host")
    .argument('<run>', RUN_HELP)
    .option('-f, --follow', 'follow until every host has finished')
    .option('--host <name>', 'only this host')
    .option('--dir <dir>', CONTROL_DIR_HELP)
    .option('--json', "the control host's NDJSON lines (output, result, summary)")
    .addHelpText('after', '\nWithout -f: the output so far, exit 0. With -f: exits as `writ send` does (0 if every host succeeded,\nthe hosts\' code when all failing hosts agree on one, else 1). An unknown RUN exits 1 (FLEET_RUN_NOT_FOUND).')
    .action((run: string, flags: DirFlags & { follow?: boolean; host?: string }) => reporting(() => logs(flags.dir ?? defaultControlDir(), run, flags)));
}

export function cancelCommand(): Command {
  return new Command('cancel')
    .description('cancel a fleet run: stop dispatching it and cancel every host run not yet finished')
    .argument('<run>', RUN_HELP)
    .option('--dir <dir>', CONTROL_DIR_HELP)
    .option('--json', 'as JSON')
    .addHelpText('after', '\nOne line per host: cancelled, already-final, not-found, not-dispatched or error.\nExits 0, or 1 when a host could not be reached or the RUN is unknown (FLEET_RUN_NOT_FOUND).')
    .action((run: string, flags: DirFlags) => reporting(() => cancel(flags.dir ?? defaultControlDir(), run, flags.json === true)));
}
