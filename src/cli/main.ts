import { Command, CommanderError } from 'commander';
import { WritError } from '../core/errors.js';
import { agentCommand } from './commands/agent.js';
import { controlCommand } from './commands/control.js';
import { execCommand } from './commands/exec.js';
import { hostsCommand, pingCommand, sendCommand } from './commands/fleet.js';
import { cancelCommand, logsCommand, statusCommand } from './commands/fleet-runs.js';
import { functionsCommand } from './commands/functions.js';
import { keygenCommand } from './commands/keygen.js';
import { policyCommand } from './commands/policy.js';
import { runCommand } from './commands/run.js';
import { sealCommand } from './commands/seal.js';
import { verifyCommand } from './commands/verify.js';
import { emitError } from './output.js';

const USAGE_EXIT = 2;

/** Commander exits the process by default; we map its errors to DESIGN.md's exit codes instead. */
function overrideExitEverywhere(cmd: Command): void {
  cmd.exitOverride();
  for (const sub of cmd.commands) overrideExitEverywhere(sub);
}

export function buildProgram(): Command {
  const program = new Command('writ')
    .description('trusted remote execution: signed scripts, sandboxed, every operation authorized by Cedar')
    .version('0.1.0')
    .exitOverride()
    // Options after a subcommand belong to it (`writ agent self-check --config F`, not `writ agent --config`).
    .enablePositionalOptions()
    .showHelpAfterError();
  program.addCommand(runCommand());
  program.addCommand(keygenCommand());
  program.addCommand(sealCommand());
  program.addCommand(verifyCommand());
  program.addCommand(agentCommand());
  program.addCommand(policyCommand());
  program.addCommand(functionsCommand());
  program.addCommand(hostsCommand());
  program.addCommand(pingCommand());
  program.addCommand(sendCommand());
  program.addCommand(statusCommand());
  program.addCommand(logsCommand());
  program.addCommand(cancelCommand());
  program.addCommand(execCommand());
  program.addCommand(controlCommand());
  overrideExitEverywhere(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  try {
    await buildProgram().parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit 0; every other parse failure is a usage error.
      process.exitCode = err.exitCode === 0 ? 0 : USAGE_EXIT;
      return;
    }
    if (err instanceof WritError) {
      emitError(err.code, err.message);
      process.exitCode = USAGE_EXIT;
      return;
    }
    throw err;
  }
}
