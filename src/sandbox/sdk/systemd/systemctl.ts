import { existsSync, realpathSync, statSync } from 'node:fs';
import { SdkError } from '../../errors.js';
import type { SdkContext } from '../context.js';
import { authorizeExecute, runProgram, type RunResult } from '../proc/index.js';

/** Where systemctl is looked for, and the directory that exists only when systemd is PID 1 (sd_booted). */
export interface SystemdHost {
  readonly systemctl: string;
  readonly runtimeDir: string;
}

export const DEFAULT_SYSTEMD_HOST: SystemdHost = { systemctl: '/usr/bin/systemctl', runtimeDir: '/run/systemd/system' };

/**
 * Runs `systemctl <argv>` for an SDK call whose own systemd action was already authorized. systemctl
 * is a program like any other, so `file_system::Action::"execute"` is asked for it (and its real path
 * when it is a link) with the exact argv and an empty environment, BEFORE availability is checked:
 * a denied caller always gets AccessDenied and never learns whether systemd is there.
 */
export function systemctl(ctx: SdkContext, host: SystemdHost, argv: readonly string[]): RunResult {
  const env = {};
  authorizeExecute(ctx, host.systemctl, argv, env);
  if (!isDirectory(host.runtimeDir) || !existsSync(host.systemctl)) {
    throw new SdkError('SYSTEMD_UNAVAILABLE', `systemd is not running on this host (no ${host.runtimeDir} or no ${host.systemctl})`);
  }
  const real = realpathSync.native(host.systemctl);
  // The file actually executed must be permitted too, not just the link's name.
  if (real !== host.systemctl) authorizeExecute(ctx, real, argv, env);
  return runProgram(ctx, real, host.systemctl, argv, { env, cwd: '/' });
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
