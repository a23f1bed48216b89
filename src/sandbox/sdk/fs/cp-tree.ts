import { mkdirSync, openSync, readlinkSync, symlinkSync } from 'node:fs';
import { posix } from 'node:path';
import { SdkError } from '../../errors.js';
import type { SdkContext } from '../context.js';
import { fsError } from './errno.js';
import { checkDeadline } from './limits.js';
import { pump } from './pump.js';
import {
  atPath,
  closeQuietly,
  O_CREAT,
  O_EXCL,
  O_NOCTTY,
  O_NOFOLLOW,
  O_NONBLOCK,
  O_RDONLY,
  O_WRONLY,
  pin,
  reopen,
  withHandle,
} from './safe-open.js';
import { openChildDir, type TreeNode } from './walk.js';

/** Codes that, in phase 2, mean the source or destination changed after it was authorized. */
const CHANGED_CODES: readonly string[] = ['EXISTS', 'NOT_A_DIR', 'IS_A_DIR', 'CONFLICT'];

function changed(err: unknown, path: string): Error {
  const e = fsError(err, path);
  if (e instanceof SdkError && CHANGED_CODES.includes(e.code)) {
    return new SdkError('CONFLICT', `${path} changed after it was authorized`, { cause: err });
  }
  return e;
}

function guard<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw changed(err, path);
  }
}

/** Copies one regular file between held directories; the source must still be a regular file. */
function copyFileAt(ctx: SdkContext, srcFd: number, dstFd: number, node: TreeNode, src: string, dst: string): void {
  // O_PATH without following: a symlink swapped in since phase 1 is not followed to an unchecked file.
  withHandle(guard(src, () => pin(atPath(srcFd, node.name), src, { follow: false })), (h) => {
    if (!h.stat.isFile()) throw new SdkError('CONFLICT', `${src} changed after it was authorized`);
    const input = reopen(h, O_RDONLY);
    try {
      // O_EXCL|O_NOFOLLOW: every destination entry is new, and nothing planted meanwhile is followed.
      const flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
      const output = guard(dst, () => openSync(atPath(dstFd, node.name), flags, node.mode & 0o777));
      try {
        pump(ctx, input, output, src, dst);
      } finally {
        closeQuietly(output);
      }
    } finally {
      closeQuietly(input);
    }
  });
}

/**
 * Phase 2 of a recursive copy: recreates exactly the recorded (authorized) entries below a held
 * destination directory, reading the source through held descriptors. Setuid/setgid/sticky bits are
 * not copied.
 */
export function copyTree(ctx: SdkContext, srcFd: number, dstFd: number, srcPath: string, dstPath: string, nodes: readonly TreeNode[]): void {
  for (const node of nodes) {
    checkDeadline(ctx);
    const src = posix.join(srcPath, node.name);
    const dst = posix.join(dstPath, node.name);
    if (node.type === 'file') {
      copyFileAt(ctx, srcFd, dstFd, node, src, dst);
    } else if (node.type === 'symlink') {
      // The link text is copied, not followed; a link grants nothing, every later use authorizes its real path.
      const target = guard(src, () => readlinkSync(atPath(srcFd, node.name)));
      guard(dst, () => { symlinkSync(target, atPath(dstFd, node.name)); });
    } else if (node.type === 'dir') {
      guard(dst, () => { mkdirSync(atPath(dstFd, node.name), 0o777); });
      const s = guard(src, () => openChildDir(srcFd, node.name, src));
      try {
        const d = guard(dst, () => openChildDir(dstFd, node.name, dst));
        try {
          copyTree(ctx, s, d, src, dst, node.children);
        } finally {
          closeQuietly(d);
        }
      } finally {
        closeQuietly(s);
      }
    } else {
      throw new SdkError('NOT_A_FILE', `${src} is not a regular file, directory or symlink`);
    }
  }
}
