import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { PolicyError, loadPolicyFile, validatePolicy, type ValidatedPolicy } from '../../policy/index.js';
import {
  EXIT_CODES,
  capLimits,
  currentHostUser,
  formatHuman,
  loadArgsFile,
  loadScriptFile,
  rejectedReport,
  resolveLimits,
  runScript,
  type RunLimits,
  type RunReport,
} from '../../runner/index.js';
import { CliUsageError, emit, parseOutputFormat } from '../output.js';
import { addVerifyFlags, type VerifyFlags } from '../sealed/verify-flags.js';

interface RunFlags extends VerifyFlags {
  script?: string;
  policy?: string;
  args?: string;
  ceiling?: string;
  output: string;
  timeout?: string;
  memory?: string;
  maxOps?: string;
  maxOutput?: string;
  learn?: boolean;
  learnOut?: string;
}

function loadValidated(path: string): ValidatedPolicy {
  return validatePolicy(loadPolicyFile(path));
}

function print(report: RunReport, format: 'json' | 'human'): void {
  emit(format === 'json' ? JSON.stringify(report) : formatHuman(report));
  process.exitCode = EXIT_CODES[report.status];
}

function isSealedRun(positional: string | undefined, flags: RunFlags): boolean {
  return positional !== undefined || flags.bundle !== undefined || flags.sig !== undefined || flags.trust.length > 0;
}

function hostLimits(flags: RunFlags): RunLimits {
  return resolveLimits({ timeoutMs: flags.timeout, memoryMiB: flags.memory, maxOps: flags.maxOps, maxOutputBytes: flags.maxOutput });
}

/** Loads the host's ceiling; an invalid one is reported like an invalid bundle policy (exit 4). */
function loadCeiling(flags: RunFlags, format: 'json' | 'human'): { ok: true; ceiling: ValidatedPolicy | null } | { ok: false } {
  try {
    return { ok: true, ceiling: flags.ceiling ? loadValidated(flags.ceiling) : null };
  } catch (err) {
    if (!(err instanceof PolicyError)) throw err;
    print(rejectedReport(err.code, err.message), format);
    return { ok: false };
  }
}

/** `writ run job.writ --trust T` (or `-`, or --bundle/--sig): verify first, then run under the host's caps. */
async function executeSealed(positional: string | undefined, flags: RunFlags): Promise<void> {
  const format = parseOutputFormat(flags.output);
  // A sealed writ brings its own script and policy; mixing in local ones would bypass the signature.
  if (flags.script !== undefined || flags.policy !== undefined || flags.args !== undefined || flags.learn) {
    throw new CliUsageError('OPTION_CONFLICT', 'a sealed writ carries its own script, policy and arguments; drop --script/--policy/--args/--learn');
  }
  const caps = hostLimits(flags);
  const loaded = loadCeiling(flags, format);
  if (!loaded.ok) return;
  // Loaded on use: signature and X.509 code costs a plain `writ run --script` nothing.
  const { openSealedWrit } = await import('../sealed/open-sealed.js');
  const opened = await openSealedWrit(positional, flags, 'claim');
  if (!opened.ok) {
    print(rejectedReport(opened.code, opened.message), format);
    return;
  }
  const { contents } = opened;
  const report = await runScript({
    script: contents.script,
    args: contents.args,
    policy: contents.policy,
    ceiling: loaded.ceiling,
    limits: capLimits(caps, contents.requestedLimits),
    user: currentHostUser(),
    learn: false,
    inputs: contents.inputs,
  });
  print(report, format);
}

async function execute(positional: string | undefined, flags: RunFlags): Promise<void> {
  if (isSealedRun(positional, flags)) {
    await executeSealed(positional, flags);
    return;
  }
  const format = parseOutputFormat(flags.output);
  if (!flags.script) throw new CliUsageError('OPTION_MISSING', 'writ run needs --script FILE (sealed writs: see `writ run --help`)');
  if (!flags.policy && !flags.learn) throw new CliUsageError('OPTION_MISSING', 'writ run needs --policy FILE, or --learn to write one');
  if (flags.policy && flags.learn) throw new CliUsageError('OPTION_CONFLICT', '--learn runs without a bundle policy; drop --policy');
  const limits = hostLimits(flags);
  const script = loadScriptFile(flags.script);
  const args = flags.args ? loadArgsFile(flags.args) : {};
  let policy: ValidatedPolicy | null = null;
  try {
    // Policies are validated against the schema before anything runs; an invalid one rejects the run.
    policy = flags.policy ? loadValidated(flags.policy) : null;
  } catch (err) {
    if (err instanceof PolicyError) {
      print(rejectedReport(err.code, err.message), format);
      return;
    }
    throw err;
  }
  const loaded = loadCeiling(flags, format);
  if (!loaded.ok) return;
  const ceiling = loaded.ceiling;
  const report = await runScript({ script, args, policy, ceiling, limits, user: currentHostUser(), learn: flags.learn === true });
  if (flags.learnOut !== undefined && report.learnedPolicy !== undefined) writeFileSync(flags.learnOut, report.learnedPolicy);
  print(report, format);
}

export function runCommand(): Command {
  const cmd = new Command('run')
    .description('verify and run a sealed writ (or, for development, a local script) in the sandbox; every host operation is authorized by Cedar first')
    .argument('[writ]', 'a sealed .writ file, or - to read one from standard input (e.g. ssh host writ run - --trust key.pub.pem < job.writ)')
    .argument('[fleet-writ]', 'with two positionals, `writ run TARGET job.writ` is `writ send TARGET job.writ` (fleet run through the control host)')
    .option('--script <file>', 'script to run (.js, .mjs, .ts)')
    .option('--policy <file>', 'Cedar policy bounding the script')
    .option('--args <file>', 'arguments: a JSON object, or REX typed form {"name": {"stringValue": "x"}}')
    .option('--ceiling <file>', "the host owner's Cedar policy; operations need it AND --policy to permit")
    .addOption(new Option('--output <format>', 'json (one object on stdout) or human').default('json'))
    .option('--timeout <ms>', 'wall-time limit in milliseconds (default 30000)')
    .option('--memory <mib>', 'sandbox memory limit in MiB (default 64)')
    .option('--max-ops <n>', 'host operation limit (default 100000)')
    .option('--max-output <bytes>', 'stdout+logs+result cap; beyond it output is cut, truncated: true, status limit (default 1048576)')
    .option('--learn', 'observe mode: allow everything (within --ceiling) and print the least-privilege policy that permits what the script did')
    .option('--learn-out <file>', 'with --learn: also write the learned policy to this file');
  return addVerifyFlags(cmd)
    .addHelpText(
      'after',
      '\nSealed writs: writ run job.writ --trust key.pub.pem | writ run - --trust ... | writ run --bundle B --sig S --trust T.\n' +
        'The limit flags then cap what the manifest of the writ asks for.\n' +
        'Fleet: writ run TARGET job.writ sends through the control host with writ send\'s defaults; use writ send for its options.\n' +
        '\nExit codes: 0 succeeded, 1 failed, 2 usage, 3 denied, 4 rejected (e.g. SIGNATURE_INVALID, EXPIRED, POLICY_INVALID), 5 timeout or limit.\n' +
        'Warning: --learn really performs the operations; run it where the script can do no harm.',
    )
    .action(async (positional: string | undefined, fleetWrit: string | undefined, flags: RunFlags, command: Command) => {
      if (fleetWrit === undefined) {
        await execute(positional, flags);
        return;
      }
      // DESIGN's alias: two positionals are a fleet run. Local-run flags would be silently ignored there.
      const given = command.options.map((o) => o.attributeName()).filter((name) => command.getOptionValueSource(name) === 'cli');
      if (given.length > 0) throw new CliUsageError('OPTION_CONFLICT', `writ run TARGET job.writ is writ send; it takes none of ${given.map((n) => `--${n.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')} (use writ send TARGET job.writ with its options)`);
      const { sendWrit, readWrit } = await import('./fleet.js');
      await sendWrit(positional ?? '', { maxConcurrency: '50', timeout: '600000' }, readWrit(fleetWrit));
    });
}
