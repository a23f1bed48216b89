import { lstatSync, readdirSync } from 'node:fs';
import type { HostValue } from '../../host-api.js';
import type { SdkContext } from '../context.js';
import { canonicalPath } from '../entities.js';
import { askAll, DIR, type Step } from './authz.js';
import { fsError, isErrno, sys } from './errno.js';
import { checkDeadline } from './limits.js';
import { atPath, fdPath, pin, withHandle } from './safe-open.js';
import { describe } from './stat.js';

/** REX's requests for listing a directory: open it, read it. */
export function listSteps(path: string): Step[] {
  return [
    { act: 'open', kind: DIR, path },
    { act: 'read', kind: DIR, path },
  ];
}

/** Entry names of a held directory, sorted so results and request order are deterministic. */
export function readNames(dirFd: number, shownAs: string): string[] {
  // Reading through the magic link lists the pinned directory, not whatever the path names by now.
  return sys(shownAs, () => readdirSync(fdPath(dirFd))).sort();
}

/** fs.ls(path) -> [{name, type, size, mode, mtime}]; entries are lstat'ed (symlinks are not followed). */
export function listDir(ctx: SdkContext, rawPath: HostValue): HostValue {
  ctx.budget.spend();
  const path = canonicalPath(rawPath);
  // Before any system call: the directory as written.
  askAll(ctx, listSteps(path));
  return withHandle(pin(path, path, { follow: true, directory: true }), (dir) => {
    // A symlinked directory: the directory really listed must be allowed too.
    if (dir.real !== path) askAll(ctx, listSteps(dir.real));
    const out: HostValue[] = [];
    for (const name of readNames(dir.fd, path)) {
      checkDeadline(ctx);
      let st;
      try {
        st = lstatSync(atPath(dir.fd, name));
      } catch (err) {
        if (isErrno(err, 'ENOENT')) continue; // removed since readdir
        throw fsError(err, path);
      }
      out.push({ name, ...describe(st) });
    }
    return out;
  });
}
