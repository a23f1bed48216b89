import { SdkError } from '../../errors.js';
import type { HostValue } from '../../host-api.js';
import type { SdkContext } from '../context.js';
import { canonicalPath } from '../entities.js';
import { intArg, optionsArg, stringArg, stringArrayArg, stringRecordArg } from '../host-args.js';
import { authorizeProgram, runProgram, type RunResult } from './run-program.js';

/** Upper bound for `timeoutMs` (the run's deadline applies anyway). */
const MAX_TIMEOUT_MS = 24 * 60 * 60 * 1000;
const ENV_NAME = /^[^=\0]+$/;

/**
 * `proc.exec(path, argv, {env?, timeoutMs?, cwd?}) -> {code, signal, stdout, stderr, timedOut}`.
 * `path` must be absolute; `argv` are the arguments after the program name. The environment is EMPTY
 * unless given; `cwd` defaults to `/`. See run-program.ts for limits and timeouts.
 */
export function procExec(ctx: SdkContext, pathArg: HostValue, argvArg: HostValue, optionsValue: HostValue): RunResult {
  const program = canonicalPath(stringArg(pathArg, 'path', { nonEmpty: true }), 'program path');
  const argv = argvArg === undefined || argvArg === null ? [] : stringArrayArg(argvArg, 'argv');
  const options = optionsArg(optionsValue, 'proc.exec options', ['env', 'timeoutMs', 'cwd']);
  const env = stringRecordArg(options.env, 'env');
  for (const name of Object.keys(env)) {
    // `A=B=C` as a name would set a different variable than the one the policy saw.
    if (!ENV_NAME.test(name)) throw new SdkError('INVALID_ARGUMENT', `invalid environment variable name ${JSON.stringify(name)}`);
  }
  const timeoutMs = options.timeoutMs === undefined ? undefined : intArg(options.timeoutMs, 'timeoutMs', 1, MAX_TIMEOUT_MS);
  const cwd = options.cwd === undefined ? '/' : canonicalPath(stringArg(options.cwd, 'cwd'), 'cwd');
  ctx.budget.spend();
  const real = authorizeProgram(ctx, program, argv, env);
  return runProgram(ctx, real, program, argv, timeoutMs === undefined ? { env, cwd } : { env, cwd, timeoutMs });
}
