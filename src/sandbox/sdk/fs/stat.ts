import type { Stats } from 'node:fs';
import { posix } from 'node:path';
import type { HostValue } from '../../host-api.js';
import type { SdkContext } from '../context.js';
import { canonicalPath } from '../entities.js';
import { askAll, DIR, FILE, type Step } from './authz.js';
import { pin, withHandle } from './safe-open.js';

export type EntryType = 'file' | 'dir' | 'symlink' | 'other';

/** The guest-facing type of an inode (from lstat, a symlink is 'symlink'; from a followed pin, never). */
export function entryType(st: Stats): EntryType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  return 'other';
}

/** Plain data only crosses into the guest: no Stats objects, no Dates. */
export function describe(st: Stats): { type: EntryType; size: number; mode: number; mtime: string } {
  return { type: entryType(st), size: st.size, mode: st.mode & 0o7777, mtime: st.mtime.toISOString() };
}

/** REX's requests for stat: open the parent directory, stat the object. */
function statSteps(path: string): Step[] {
  return [
    { act: 'open', kind: DIR, path: posix.dirname(path) },
    { act: 'stat', kind: FILE, path },
  ];
}

/** fs.stat(path) -> {type, size, mode, mtime, uid, gid}; follows symlinks (the real path is authorized too). */
export function statPath(ctx: SdkContext, rawPath: HostValue): HostValue {
  ctx.budget.spend();
  const path = canonicalPath(rawPath);
  // Before any system call: the path as written.
  askAll(ctx, statSteps(path));
  return withHandle(pin(path, path, { follow: true }), (h) => {
    // A symlink on the way: the object whose metadata is returned must be allowed too.
    if (h.real !== path) askAll(ctx, statSteps(h.real));
    return { ...describe(h.stat), uid: h.stat.uid, gid: h.stat.gid };
  });
}
