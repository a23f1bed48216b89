import { lstatSync, openSync } from 'node:fs';
import { posix } from 'node:path';
import type { SdkContext } from '../context.js';
import { fsError, sys } from './errno.js';
import { checkDeadline } from './limits.js';
import { readNames } from './ls.js';
import { atPath, closeQuietly, O_DIRECTORY, O_NOFOLLOW, O_PATH } from './safe-open.js';
import { entryType, type EntryType } from './stat.js';

/** One entry of a scanned tree: what phase 1 authorized, and all that phase 2 may touch. */
export interface TreeNode {
  readonly name: string;
  readonly type: EntryType;
  /** Permission bits, for copies. */
  readonly mode: number;
  /** Children of a directory; empty for anything else. */
  readonly children: readonly TreeNode[];
}

export interface TreeVisitor {
  /** Called for every entry before descending into it (e.g. authorize `delete`). */
  entry(path: string, type: EntryType): void;
  /** Called for every directory before it is listed (e.g. authorize `open`+`read`). */
  dir(path: string): void;
}

/** Opens a child directory of a held directory without following a symlink. Caller closes. */
export function openChildDir(dirFd: number, name: string, shownAs: string): number {
  // O_NOFOLLOW|O_DIRECTORY: a directory replaced by a symlink fails here instead of being walked into.
  return sys(shownAs, () => openSync(atPath(dirFd, name), O_PATH | O_DIRECTORY | O_NOFOLLOW));
}

/**
 * Scans the tree below a held directory depth-first (sorted names), calling the visitor for every entry
 * and spending one operation per entry. Symlinks are recorded, never followed. The visitor's `dir` for
 * `dirPath` itself is the caller's job (it usually precedes this call).
 */
export function scanTree(ctx: SdkContext, dirFd: number, dirPath: string, visit: TreeVisitor): TreeNode[] {
  const nodes: TreeNode[] = [];
  for (const name of readNames(dirFd, dirPath)) {
    checkDeadline(ctx);
    // Recursive work pays per entry, so one call cannot walk an unbounded tree.
    ctx.budget.spend();
    const path = posix.join(dirPath, name);
    let st;
    try {
      st = lstatSync(atPath(dirFd, name));
    } catch (err) {
      throw fsError(err, path);
    }
    const type = entryType(st);
    visit.entry(path, type);
    let children: TreeNode[] = [];
    if (type === 'dir') {
      const child = openChildDir(dirFd, name, path);
      try {
        visit.dir(path);
        children = scanTree(ctx, child, path, visit);
      } finally {
        closeQuietly(child);
      }
    }
    nodes.push({ name, type, mode: st.mode & 0o7777, children });
  }
  return nodes;
}
