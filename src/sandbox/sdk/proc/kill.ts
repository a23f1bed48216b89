import { SdkError } from '../../errors.js';
import type { HostValue } from '../../host-api.js';
import { action, authorize } from '../authorize.js';
import type { SdkContext } from '../context.js';
import { intArg, stringArg } from '../host-args.js';
import { processEntity } from './entities.js';
import { readProcess, readStartTicks } from './procfs.js';
import { userNames } from './passwd.js';

const KILL = action('process_system', 'kill');

/** Signals a script may send. Anything else (numbers, 0, real-time signals) is refused. */
export const SIGNALS: readonly NodeJS.Signals[] = [
  'SIGTERM', 'SIGKILL', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGSTOP', 'SIGCONT',
];

/** Linux's largest possible pid (PID_MAX_LIMIT). */
const PID_MAX = 4_194_304;

/**
 * `proc.kill(pid, signal = 'SIGTERM')`: `process_system::Action::"kill"` on the Process, with the
 * attributes read from /proc BEFORE the check. The pid's start time is read again just before the
 * signal, so a pid recycled to another process meanwhile is not signalled (NO_SUCH_PROCESS).
 */
export function procKill(ctx: SdkContext, pidArg: HostValue, signalArg: HostValue): null {
  // pid >= 1 only: 0 and negatives mean "my process group" / "every process" to kill(2).
  const pid = intArg(pidArg, 'pid', 1, PID_MAX);
  const signalName = signalArg === undefined || signalArg === null ? 'SIGTERM' : stringArg(signalArg, 'signal');
  const signal = SIGNALS.find((s) => s === signalName);
  if (signal === undefined) throw new SdkError('INVALID_ARGUMENT', `signal must be one of ${SIGNALS.join(', ')}`);
  ctx.budget.spend();
  const info = readProcess(pid, userNames());
  if (info === undefined) throw new SdkError('NO_SUCH_PROCESS', `no process ${pid}`);
  const { resource, entities } = processEntity(info);
  // The policy decides on what the process is (name, user, command), checked before any signal is sent.
  authorize(ctx, KILL, resource, entities);
  // The sandbox host itself is never a target: killing it would end the run without a report.
  if (pid === process.pid) throw new SdkError('INVALID_ARGUMENT', 'a script may not signal its own runner');
  // Same pid, different start time: the authorized process is gone and the pid was reused.
  if (readStartTicks(pid) !== info.startTicks) throw new SdkError('NO_SUCH_PROCESS', `process ${pid} exited`);
  try {
    process.kill(pid, signal);
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? err.code : undefined;
    if (code === 'ESRCH') throw new SdkError('NO_SUCH_PROCESS', `process ${pid} exited`);
    if (code === 'EPERM') throw new SdkError('EPERM', `not permitted by the operating system to signal ${pid}`);
    throw new SdkError('KILL_FAILED', `cannot signal ${pid}`, { cause: err });
  }
  return null;
}
