import { readFileSync, statfsSync } from 'node:fs';
import { authorize } from '../authorize.js';
import type { SdkContext } from '../context.js';
import { SYSINFO, singleton } from './entities.js';
import { LIST } from './info.js';

export type DiskUsage = {
  readonly mount: string;
  /** File system type from /proc/mounts (ext4, tmpfs, ...). */
  readonly fs: string;
  readonly totalBytes: number;
  readonly freeBytes: number;
  /** Free space available to unprivileged users. */
  readonly availBytes: number;
};

/**
 * `sys.df()`: `sysinfo::Action::"list"` on `sysinfo::Sysinfo::"sysinfo"`, then statfs of every mount
 * in /proc/mounts; mounts that error (gone, no permission) are skipped. Each mount costs one op.
 */
export function sysDf(ctx: SdkContext): DiskUsage[] {
  ctx.budget.spend();
  // The mount table and usage are host facts: asked before /proc/mounts is read.
  authorize(ctx, LIST, SYSINFO, singleton(SYSINFO));
  const rows: DiskUsage[] = [];
  for (const { mount, fs } of readMounts()) {
    // Bounded by the budget: a host with thousands of mounts can't turn one call into unbounded work.
    ctx.budget.spend();
    try {
      const s = statfsSync(mount);
      rows.push({ mount, fs, totalBytes: s.blocks * s.bsize, freeBytes: s.bfree * s.bsize, availBytes: s.bavail * s.bsize });
    } catch {
      // Skipped, as documented: a mount that can't be stat'ed says nothing useful.
    }
  }
  return rows;
}

/** Entries of /proc/mounts, octal escapes (`\040` for space) decoded. */
export function readMounts(): { mount: string; fs: string }[] {
  let text: string;
  try {
    text = readFileSync('/proc/mounts', 'utf8');
  } catch {
    return [];
  }
  const out: { mount: string; fs: string }[] = [];
  for (const line of text.split('\n')) {
    const [, mount, fs] = line.split(' ');
    if (mount === undefined || fs === undefined) continue;
    out.push({ mount: unescapeOctal(mount), fs: unescapeOctal(fs) });
  }
  return out;
}

function unescapeOctal(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}
