import { lstatSync, renameSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { SdkError } from '../../errors.js';
import type { AttrValue } from '../../gate.js';
import type { HostValue } from '../../host-api.js';
import type { SdkContext } from '../context.js';
import { canonicalPath } from '../entities.js';
import { ask, DIR, FILE, type Kind } from './authz.js';
import { fsError, isErrno, sys } from './errno.js';
import { atPath, pin, withHandle } from './safe-open.js';

/** REX's move context: where the object goes. */
function destination(path: string): Readonly<Record<string, AttrValue>> {
  return { destination: { path, name: posix.basename(path), parent_path: posix.dirname(path) } };
}

function kindOf(st: Stats): Kind {
  // A symlink is moved as a File (the link itself, never its target).
  return st.isDirectory() ? DIR : FILE;
}

function lstatOrNull(target: string, shownAs: string): Stats | null {
  try {
    return lstatSync(target);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return null;
    throw fsError(err, shownAs);
  }
}

/**
 * fs.mv(src, dst). Requests: `open` on both parent Dirs, then `move` on File/Dir(src) with context
 * `{destination: {path, name, parent_path}}`. When dst already exists, renaming over it destroys it, so
 * writ also asks `delete` on it (REX does not). With a symlinked parent, every request is repeated for
 * the real paths. The rename happens between held parent descriptors and never follows either name.
 * Limit: Node has no renameat2(RENAME_NOREPLACE), so a dst created by another host process between
 * the check and the rename is replaced without a `delete` check; the script itself cannot race it.
 */
export function move(ctx: SdkContext, rawSrc: HostValue, rawDst: HostValue): void {
  ctx.budget.spend();
  const src = canonicalPath(rawSrc, 'src');
  const dst = canonicalPath(rawDst, 'dst');
  // The root has no parent to hold and cannot be renamed or replaced.
  if (src === '/' || dst === '/') throw new SdkError('INVALID_PATH', 'cannot move / or onto /');
  const srcParent = posix.dirname(src);
  const dstParent = posix.dirname(dst);
  // Before any system call: both directories as written.
  ask(ctx, 'open', DIR, srcParent);
  ask(ctx, 'open', DIR, dstParent);
  withHandle(pin(srcParent, srcParent, { follow: true, directory: true }), (sp) => {
    withHandle(pin(dstParent, dstParent, { follow: true, directory: true }), (dp) => {
      const realSrc = posix.join(sp.real, posix.basename(src));
      const realDst = posix.join(dp.real, posix.basename(dst));
      const symlinked = realSrc !== src || realDst !== dst;
      // Symlinked parents: the directories really modified must be allowed too.
      if (sp.real !== srcParent) ask(ctx, 'open', DIR, sp.real);
      if (dp.real !== dstParent) ask(ctx, 'open', DIR, dp.real);
      const from = atPath(sp.fd, posix.basename(src));
      const to = atPath(dp.fd, posix.basename(dst));
      // lstat: the entry itself moves; a symlink is never followed.
      const st = sys(src, () => lstatSync(from));
      const kind = kindOf(st);
      ask(ctx, 'move', kind, src, destination(dst));
      if (symlinked) ask(ctx, 'move', kind, realSrc, destination(realDst));
      const existing = lstatOrNull(to, dst);
      if (existing !== null) {
        // Renaming over an existing entry deletes it: that needs its own permission.
        ask(ctx, 'delete', kindOf(existing), dst);
        if (symlinked) ask(ctx, 'delete', kindOf(existing), realDst);
      }
      sys(src, () => { renameSync(from, to); });
    });
  });
}
