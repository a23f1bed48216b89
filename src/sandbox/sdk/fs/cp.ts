import { fstatSync, ftruncateSync, mkdirSync } from 'node:fs';
import { posix } from 'node:path';
import { SdkError } from '../../errors.js';
import type { HostValue } from '../../host-api.js';
import type { SdkContext } from '../context.js';
import { canonicalPath } from '../entities.js';
import { parseFlags } from './args.js';
import { ask, askAll, DIR, FILE, Scope } from './authz.js';
import { sys } from './errno.js';
import { copyTree } from './cp-tree.js';
import { listSteps } from './ls.js';
import { pump } from './pump.js';
import { readSteps } from './read.js';
import { atPath, closeQuietly, type Handle, O_RDONLY, pin, reopen, withHandle } from './safe-open.js';
import { withAuthorizedParent } from './parent-dir.js';
import { openChildDir, scanTree, type TreeNode } from './walk.js';
import { openForWrite } from './write.js';

/** One regular file: the read requests on the source, then fs.write's requests on the destination. */
function copyOneFile(ctx: SdkContext, s: Handle, src: string, dst: string): void {
  const out = openForWrite(ctx, dst, { append: false, mode: s.stat.mode & 0o777 });
  try {
    const ost = sys(dst, () => fstatSync(out));
    // Copying a file onto itself would truncate the source before it is read.
    if (ost.dev === s.stat.dev && ost.ino === s.stat.ino) throw new SdkError('SAME_FILE', `${src} and ${dst} are the same file`);
    const input = reopen(s, O_RDONLY);
    try {
      sys(dst, () => { ftruncateSync(out, 0); });
      pump(ctx, input, out, src, dst);
    } finally {
      closeQuietly(input);
    }
  } finally {
    closeQuietly(out);
  }
}

/** Phase 1 of a recursive copy: authorizes every source and destination entry, records the tree. */
function planTree(ctx: SdkContext, s: Handle, src: string, dst: string, dstScope: Scope): TreeNode[] {
  const srcScope = new Scope(ctx, src, s.real);
  const toDst = (p: string): string => posix.join(dst, src === '/' ? p.slice(1) : p.slice(src.length + 1));
  return scanTree(ctx, s.fd, src, {
    entry: (p, type) => {
      const q = toDst(p);
      if (type === 'dir') {
        dstScope.ask('create', DIR, q);
      } else if (type === 'file') {
        srcScope.ask('open', FILE, p);
        srcScope.ask('read', FILE, p);
        dstScope.ask('create', FILE, q);
        dstScope.ask('open', FILE, q);
        dstScope.ask('write', FILE, q);
      } else if (type === 'symlink') {
        // Copying a link reads its text and creates a new link; its target is never opened.
        srcScope.ask('read', FILE, p);
        dstScope.ask('create', FILE, q);
      } else {
        // FIFOs, sockets and devices are refused before anything is copied.
        throw new SdkError('NOT_A_FILE', `${p} is not a regular file, directory or symlink`);
      }
    },
    dir: (p) => {
      srcScope.ask('open', DIR, p);
      srcScope.ask('read', DIR, p);
      dstScope.ask('open', DIR, toDst(p));
    },
  });
}

/** A directory tree into a destination that must not exist yet (every destination entry is new). */
function copyDirTree(ctx: SdkContext, s: Handle, src: string, dst: string): void {
  if (dst === '/') throw new SdkError('EXISTS', '/ exists');
  const parent = posix.dirname(dst);
  const name = posix.basename(dst);
  withAuthorizedParent(ctx, parent, (dp, dstScope) => {
    dstScope.ask('create', DIR, dst);
    dstScope.ask('open', DIR, dst);
    const tree = planTree(ctx, s, src, dst, dstScope);
    // Never merge into or replace an existing tree (what is there was not authorized): mkdir fails with EXISTS.
    sys(dst, () => { mkdirSync(atPath(dp.fd, name), 0o777); });
    const top = openChildDir(dp.fd, name, dst);
    try {
      copyTree(ctx, s.fd, top, src, dst, tree);
    } finally {
      closeQuietly(top);
    }
  });
}

/**
 * fs.cp(src, dst, {recursive?}). A file: fs.read's requests on src, then fs.write's on dst. A directory
 * (recursive only): `open`+`read` on every source directory and `open`+`read` on every source file
 * (`read` on a symlink, which is copied as a link), `create` (+`open`, +`write` for files) on every
 * destination entry. Two-phase like fs.rm: all of it is authorized before the first byte is copied,
 * so a denial copies nothing. `dst` is the exact destination path (never "into" an existing directory).
 */
export function copy(ctx: SdkContext, rawSrc: HostValue, rawDst: HostValue, options: HostValue): void {
  ctx.budget.spend();
  const src = canonicalPath(rawSrc, 'src');
  const dst = canonicalPath(rawDst, 'dst');
  const recursive = parseFlags(options, ['recursive'], 'fs.cp').recursive === true;
  // Before any system call: the source's directory as written.
  ask(ctx, 'open', DIR, posix.dirname(src));
  withHandle(pin(src, src, { follow: true }), (s) => {
    if (s.stat.isFile()) {
      ask(ctx, 'open', FILE, src);
      ask(ctx, 'read', FILE, src);
      // A symlink on the way: the file really read must be allowed too.
      if (s.real !== src) askAll(ctx, readSteps(s.real));
      copyOneFile(ctx, s, src, dst);
      return;
    }
    if (!s.stat.isDirectory()) throw new SdkError('NOT_A_FILE', `${src} is not a regular file or directory`);
    if (!recursive) throw new SdkError('IS_A_DIR', `${src} is a directory (use {recursive: true})`);
    askAll(ctx, listSteps(src));
    // A symlinked source directory: the tree really read must be allowed too.
    if (s.real !== src) askAll(ctx, [{ act: 'open', kind: DIR, path: posix.dirname(s.real) }, ...listSteps(s.real)]);
    copyDirTree(ctx, s, src, dst);
  });
}
