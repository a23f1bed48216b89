import { readFileSync } from 'node:fs';
import os from 'node:os';
import { action, authorize } from '../authorize.js';
import type { SdkContext } from '../context.js';
import { SYSINFO, UNAME, singleton } from './entities.js';

export const LIST = action('sysinfo', 'list');

export type SysInfo = {
  readonly hostname: string;
  /** PRETTY_NAME from /etc/os-release, else the kernel's name (`Linux`). */
  readonly os: string;
  /** Kernel release, e.g. `6.1.0-18-amd64`. */
  readonly kernel: string;
  readonly uptimeS: number;
  readonly cpus: number;
  readonly memory: { readonly totalBytes: number; readonly freeBytes: number };
};

/** `sys.info()`: `sysinfo::Action::"list"` on `sysinfo::Sysinfo::"sysinfo"`. */
export function sysInfo(ctx: SdkContext): SysInfo {
  ctx.budget.spend();
  // Host facts are information disclosure: asked before any is read.
  authorize(ctx, LIST, SYSINFO, singleton(SYSINFO));
  return {
    hostname: os.hostname(),
    os: prettyName() ?? os.type(),
    kernel: os.release(),
    uptimeS: Math.floor(os.uptime()),
    cpus: os.availableParallelism(),
    memory: { totalBytes: os.totalmem(), freeBytes: os.freemem() },
  };
}

/** `sys.hostname()`: `sysinfo::Action::"list"` on `sysinfo::Uname::"uname"`. */
export function sysHostname(ctx: SdkContext): string {
  ctx.budget.spend();
  // The host name is uname data: asked before it is read.
  authorize(ctx, LIST, UNAME, singleton(UNAME));
  return os.hostname();
}

function prettyName(): string | undefined {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const match = /^PRETTY_NAME=(.*)$/m.exec(text);
    return match?.[1]?.replace(/^"(.*)"$/, '$1');
  } catch {
    return undefined;
  }
}
