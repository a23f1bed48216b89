import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { PolicyError, loadPolicyFile, validatePolicy, type ValidatedPolicy } from '../../policy/index.js';
import {
  EXIT_CODES,
  currentHostUser,
  formatHuman,
  loadArgsFile,
  loadScriptFile,
  rejectedReport,
  resolveLimits,
  runScript,
  type RunReport,
} from '../../runner/index.js';
import { CliUsageError, emit, parseOutputFormat } from '../output.js';

interface RunFlags {
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

async function execute(flags: RunFlags): Promise<void> {
  const format = parseOutputFormat(flags.output);
  if (!flags.script) throw new CliUsageError('OPTION_MISSING', 'writ run needs --script FILE (sealed writs: see `writ run --help`)');
  if (!flags.policy && !flags.learn) throw new CliUsageError('OPTION_MISSING', 'writ run needs --policy FILE, or --learn to write one');
  if (flags.policy && flags.learn) throw new CliUsageError('OPTION_CONFLICT', '--learn runs without a bundle policy; drop --policy');
  const limits = resolveLimits({ timeoutMs: flags.timeout, memoryMiB: flags.memory, maxOps: flags.maxOps, maxOutputBytes: flags.maxOutput });
  const script = loadScriptFile(flags.script);
  const args = flags.args ? loadArgsFile(flags.args) : {};
  let policy: ValidatedPolicy | null = null;
  let ceiling: ValidatedPolicy | null = null;
  try {
    // Policies are validated against the schema before anything runs; an invalid one rejects the run.
    policy = flags.policy ? loadValidated(flags.policy) : null;
    ceiling = flags.ceiling ? loadValidated(flags.ceiling) : null;
  } catch (err) {
    if (err instanceof PolicyError) {
      print(rejectedReport(err.code, err.message), format);
      return;
    }
    throw err;
  }
  const report = await runScript({ script, args, policy, ceiling, limits, user: currentHostUser(), learn: flags.learn === true });
  if (flags.learnOut !== undefined && report.learnedPolicy !== undefined) writeFileSync(flags.learnOut, report.learnedPolicy);
  print(report, format);
}

export function runCommand(): Command {
  return new Command('run')
    .description('run a script in the sandbox; every host operation is authorized by Cedar first')
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
    .option('--learn-out <file>', 'with --learn: also write the learned policy to this file')
    .addHelpText(
      'after',
      '\nExit codes: 0 succeeded, 1 failed, 2 usage, 3 denied, 4 rejected (e.g. POLICY_INVALID), 5 timeout or limit.\n' +
        'Warning: --learn really performs the operations; run it where the script can do no harm.',
    )
    .action(async (flags: RunFlags) => {
      await execute(flags);
    });
}
