import type { HostModule } from '../../host-api.js';
import type { FunctionInfo } from '../function-info.js';
import type { SdkContext } from '../context.js';
import { procExec } from './exec.js';
import { procKill } from './kill.js';
import { procList } from './list.js';

export { authorizeProgram, runProgram, type RunResult } from './run-program.js';
export { authorizeExecute } from './execute-request.js';
export { describeArguments } from './arguments.js';
export { SIGNALS } from './kill.js';

/** The guest's `proc` global. */
export function createProcModule(ctx: SdkContext): HostModule {
  return Object.freeze({
    list: () => procList(ctx),
    kill: (pid, signal) => procKill(ctx, pid, signal),
    exec: (path, argv, options) => procExec(ctx, path, argv, options),
  });
}

export const PROC_FUNCTIONS: readonly FunctionInfo[] = [
  {
    name: 'proc.list',
    signature: 'proc.list() -> [{pid, name, username, command}]',
    actions: ['process_system::Action::"list"'],
    description:
      'Processes from /proc; each is asked about as process_system::Process::"<pid>" (attrs name, username, command) and only permitted ones are returned.',
  },
  {
    name: 'proc.kill',
    signature: "proc.kill(pid, signal = 'SIGTERM')",
    actions: ['process_system::Action::"kill"'],
    description: 'Signals a process (SIGTERM, SIGKILL, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGSTOP, SIGCONT), authorized on its /proc attributes.',
  },
  {
    name: 'proc.exec',
    signature: 'proc.exec(path, argv, {env?, timeoutMs?, cwd?}) -> {code, signal, stdout, stderr, timedOut}',
    actions: ['file_system::Action::"execute"'],
    description:
      'Runs a program by absolute path without a shell; execute is asked on the path, on its real path if it is a link, and on the interpreter of a #! script, with Arguments/Environment entities. Empty environment by default; output capped per stream.',
  },
];
