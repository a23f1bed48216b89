import { lstatSync, rmdirSync, unlinkSync } from 'node:fs';
import { posix } from 'node:path';
import { SdkError } from '../../errors.js';
import type { HostValue } from '../../host-api.js';
import type { SdkContext } from '../context.js';
import { canonicalPath } from '../entities.js';
import { parseFlags } from './args.js';
import { DIR, FILE } from './authz.js';
import { fsError, isErrno, sys } from './errno.js';
import { checkDeadline } from './limits.js';
import { atPath, closeQuietly } from './safe-open.js';
import { withAuthorizedParent } from './parent-dir.js';
import { openChildDir, scanTree, type TreeNode } from './walk.js';

/** Errors in phase 2 that mean the tree changed after it was authorized. */
const CHANGED = ['ENOTDIR', 'ELOOP', 'EISDIR', 'ENOTEMPTY', 'EEXIST'];

function phase2Error(err: unknown, path: string): Error {
  if (CHANGED.some((e) => isErrno(err, e))) {
    return new SdkError('CONFLICT', `${path} changed after it was authorized; entries not authorized were kept`, { cause: err });
  }
  return fsError(err, path);
}

/** Runs a phase-2 deletion; an entry already gone is fine, a changed one stops everything. */
function deleteQuietly(path: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return;
    throw phase2Error(err, path);
  }
}

/** Phase 2: deletes exactly the recorded (authorized) entries, depth first, through held descriptors. */
function deleteTree(ctx: SdkContext, dirFd: number, dirPath: string, nodes: readonly TreeNode[]): void {
  for (const node of nodes) {
    checkDeadline(ctx);
    const path = posix.join(dirPath, node.name);
    const target = atPath(dirFd, node.name);
    if (node.type !== 'dir') {
      // unlink never follows the last component, and fails on a directory swapped in (EISDIR).
      deleteQuietly(path, () => { unlinkSync(target); });
      continue;
    }
    let child: number;
    try {
      child = openChildDir(dirFd, node.name, path);
    } catch (err) {
      if (err instanceof SdkError && err.code === 'NOT_FOUND') continue;
      throw new SdkError('CONFLICT', `${path} changed after it was authorized`, { cause: err });
    }
    try {
      deleteTree(ctx, child, path, node.children);
    } finally {
      closeQuietly(child);
    }
    // ENOTEMPTY here means an entry appeared that was never authorized: it is kept, and we stop.
    deleteQuietly(path, () => { rmdirSync(target); });
  }
}

/**
 * fs.rm(path, {recursive?}). Requests: `open` Dir(parent), then `delete` on File or Dir as lstat finds
 * it (a symlink is a File and is never followed). Recursive removal is two-phase: phase 1 walks the
 * whole tree through held descriptors asking `open`+`read` for every directory and `delete` for every
 * entry (REX only checks the top); only when all are allowed does phase 2 delete exactly the entries
 * phase 1 recorded. One denial therefore deletes nothing. An entry created concurrently between the
 * phases was never authorized: it is kept and the call fails with CONFLICT.
 */
export function remove(ctx: SdkContext, rawPath: HostValue, options: HostValue): void {
  ctx.budget.spend();
  const path = canonicalPath(rawPath);
  const recursive = parseFlags(options, ['recursive'], 'fs.rm').recursive === true;
  // The root has no parent to hold and removing it is never intended.
  if (path === '/') throw new SdkError('INVALID_PATH', 'refusing to remove /');
  const parent = posix.dirname(path);
  const name = posix.basename(path);
  withAuthorizedParent(ctx, parent, (d, scope) => {
    // lstat, not stat: the entry itself is deleted, a symlink's target is never touched.
    const st = sys(path, () => lstatSync(atPath(d.fd, name)));
    const isDir = st.isDirectory();
    scope.ask('delete', isDir ? DIR : FILE, path);
    const target = atPath(d.fd, name);
    if (!isDir) {
      sys(path, () => { unlinkSync(target); });
      return;
    }
    if (!recursive) {
      sys(path, () => { rmdirSync(target); });
      return;
    }
    const top = openChildDir(d.fd, name, path);
    try {
      scope.ask('open', DIR, path);
      scope.ask('read', DIR, path);
      const tree = scanTree(ctx, top, path, {
        entry: (p, type) => { scope.ask('delete', type === 'dir' ? DIR : FILE, p); },
        dir: (p) => {
          scope.ask('open', DIR, p);
          scope.ask('read', DIR, p);
        },
      });
      deleteTree(ctx, top, path, tree);
    } finally {
      closeQuietly(top);
    }
    deleteQuietly(path, () => { rmdirSync(target); });
  });
}
