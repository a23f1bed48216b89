import type { HostModule } from '../../host-api.js';
import type { FunctionInfo } from '../function-info.js';
import type { SdkContext } from '../context.js';
import { sysDf } from './df.js';
import { sysHostname, sysInfo } from './info.js';

/** The guest's `sys` global. */
export function createSysModule(ctx: SdkContext): HostModule {
  return Object.freeze({
    info: () => sysInfo(ctx),
    hostname: () => sysHostname(ctx),
    df: () => sysDf(ctx),
  });
}

export const SYS_FUNCTIONS: readonly FunctionInfo[] = [
  {
    name: 'sys.info',
    signature: 'sys.info() -> {hostname, os, kernel, uptimeS, cpus, memory: {totalBytes, freeBytes}}',
    actions: ['sysinfo::Action::"list"'],
    description: 'Host facts; asked on sysinfo::Sysinfo::"sysinfo".',
  },
  {
    name: 'sys.hostname',
    signature: 'sys.hostname() -> string',
    actions: ['sysinfo::Action::"list"'],
    description: 'The host name; asked on sysinfo::Uname::"uname".',
  },
  {
    name: 'sys.df',
    signature: 'sys.df() -> [{mount, fs, totalBytes, freeBytes, availBytes}]',
    actions: ['sysinfo::Action::"list"'],
    description: 'Usage of every mount in /proc/mounts (ones that fail statfs are skipped); asked on sysinfo::Sysinfo::"sysinfo".',
  },
];
