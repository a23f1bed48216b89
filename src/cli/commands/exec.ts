import { createPublicKey } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { Command } from 'commander';
import { RUN_LIMIT_BOUNDS } from '../../core/run-limit-bounds.js';
import { WritError } from '../../core/errors.js';
import { CliUsageError, emit } from '../output.js';
import { parseWhole } from '../sealed/duration.js';
import { sendOptions, sendWrit, type SendFlags } from './fleet.js';
import { addSigningOptions, signingFromFlags, writeAtomically, type SigningFlags } from './seal.js';

/**
 * `writ exec TARGET -- PROGRAM ARGS...`: builds a writ that runs one program without a shell (see
 * src/cli/exec), seals it with the operator's key as `writ seal` would, and sends it exactly as
 * `writ send` does. `--dry-run` writes the sealed writ instead of sending it.
 */
interface ExecFlags extends SendFlags, SigningFlags {
  runTimeout?: string;
  resolve: boolean;
  dryRun?: boolean;
  out?: string;
}

const EXAMPLES = `
The program must be an absolute path: the writ's policy permits executing exactly that file (and, where
it is a link on this machine, the file it resolves to) and nothing else; the agent never searches PATH.
No shell ever sees the arguments; the program gets an empty environment and runs in /.
Exit codes per host: 0 when the program exits 0; 1 when it exits non-zero or is killed (its code is in
the error: "ProgramExit: PROG exited with code N"); 3 denied; 5 timeout. A run's exit code is fixed by
its status, so the program's own code cannot be passed on unchanged.
Allowlisting a shell or an interpreter (/bin/sh -c ...) allows whatever it goes on to run.

Examples:
  writ exec tag:web --key owner.key -- /usr/bin/df -h /var
  writ exec web1,web2 --key owner.key --max-errors 0 -- /usr/bin/systemctl is-active nginx
  writ exec all --key owner.key --dry-run --out uptime.writ -- /usr/bin/uptime`;

/**
 * Everything after `--` and nothing before: without the separator `writ exec web1 /usr/bin/x --json`
 * would quietly take `--json` for itself instead of passing it to the program.
 */
function programAndArgs(command: readonly string[], cmd: Command): [string, string[]] {
  // commander keeps the words it parsed on the root (`rawArgs`, untyped); its operands drop the `--`.
  const rawArgs: unknown = (cmd.parent as unknown as { rawArgs?: unknown } | null)?.rawArgs;
  const raw = Array.isArray(rawArgs) ? rawArgs.map(String) : [];
  const tail = raw.slice(raw.length - command.length - 1);
  if (command.length === 0 || tail[0] !== '--' || tail.slice(1).some((a, i) => a !== command[i])) {
    throw new CliUsageError('OPTION_INVALID', '<program>: put the program and its arguments after --, e.g. writ exec web1 --key owner.key -- /usr/bin/uptime');
  }
  const [program, ...argv] = command;
  return [program ?? '', argv];
}

/** The builder's refusals name what was wrong on the command line: the program or its arguments. */
function asUsage(err: unknown): unknown {
  if (!(err instanceof WritError) || (err.code !== 'PROGRAM_INVALID' && err.code !== 'ARGUMENT_INVALID')) return err;
  return new CliUsageError('OPTION_INVALID', `${err.code === 'PROGRAM_INVALID' ? '<program>' : '<args>'}: ${err.message}`, { cause: err });
}

/**
 * The file `program` resolves to on this machine, when that differs (e.g. /bin/echo -> /usr/bin/echo
 * with a merged /usr): the agent asks for both, so the policy must name both. Fleets share a layout;
 * where a host's link points elsewhere, its run is denied (fail closed), never widened.
 */
function resolvedHere(program: string): string[] {
  try {
    const real = realpathSync.native(program);
    return real === program ? [] : [real];
  } catch {
    // Not on this machine (it may exist only on the hosts): the policy names the path alone.
    return [];
  }
}

async function exec(target: string, command: string[], flags: ExecFlags, cmd: Command): Promise<void> {
  const [program, argv] = programAndArgs(command, cmd);
  if (flags.out !== undefined && flags.dryRun !== true) throw new CliUsageError('OPTION_INVALID', '--out is only for --dry-run (without it the writ is sent)');
  const { buildExecWrit, checkProgramPath } = await import('../exec/index.js');
  const { keyFingerprint } = await import('../../bundle/index.js');
  try {
    checkProgramPath(program, 'the program');
  } catch (err) {
    throw asUsage(err);
  }
  const [minMs, maxMs] = RUN_LIMIT_BOUNDS.timeoutMs;
  const timeoutMs = flags.runTimeout === undefined ? undefined : parseWhole('--run-timeout', flags.runTimeout, minMs, maxMs);
  const signing = await signingFromFlags(flags);
  const built = await buildExecWrit({
    program,
    argv,
    resolvesTo: flags.resolve ? resolvedHere(program) : [],
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...signing,
  }).catch((err: unknown) => {
    throw asUsage(err);
  });
  if (flags.dryRun !== true) {
    await sendWrit(target, flags, Buffer.from(built.writ));
    return;
  }
  const out = flags.out ?? '-';
  if (out === '-') {
    process.stdout.write(built.writ);
    return;
  }
  writeAtomically(out, built.writ);
  const m = built.manifest;
  const summary = { out, id: m.id, bytes: built.writ.length, signer: keyFingerprint(createPublicKey(signing.privateKey)), program, argv, policy: built.policy, expiresAt: m.expiresAt.toISOString(), audience: m.audience };
  emit(flags.json ? JSON.stringify(summary) : `built ${out}: writ ${m.id} running ${program} (${argv.length} argument(s)), ${summary.bytes} bytes, signer ${summary.signer}, valid until ${summary.expiresAt}; send it with: writ send ${target} ${out}`);
}

export function execCommand(): Command {
  return addSigningOptions(sendOptions(
    new Command('exec')
      .description('build, seal and send a writ that runs one allowlisted program (no shell) on every agent of TARGET')
      .argument('<target>', 'a host, tag:NAME, all, or a comma-separated list')
      .argument('[command...]', 'after --: the absolute program path and its arguments')
      .usage('<target> [options] -- <program> [args...]'),
  ))
    .option('--run-timeout <ms>', 'requested wall-time limit of the run, program included (hosts cap it)')
    .option('--no-resolve', 'permit only the path as given, not also the file it resolves to on this machine')
    .option('--dry-run', 'build and seal, but write the writ (see --out) instead of sending it')
    .option('--out <file>', 'with --dry-run: the .writ file to write, or - for standard output (default)')
    .addHelpText('after', EXAMPLES)
    .action((target: string, command: string[], flags: ExecFlags, cmd: Command) => exec(target, command, flags, cmd));
}
