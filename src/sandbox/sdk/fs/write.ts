import { ftruncateSync, openSync, writeSync } from 'node:fs';
import { posix } from 'node:path';
import { SdkError } from '../../errors.js';
import type { HostValue } from '../../host-api.js';
import type { SdkContext } from '../context.js';
import { canonicalPath } from '../entities.js';
import { parseData, parseFlags } from './args.js';
import { askAll, DIR, FILE, Scope } from './authz.js';
import { fsError, isErrno, sys } from './errno.js';
import { checkDeadline } from './limits.js';
import {
  atPath,
  closeQuietly,
  type Handle,
  O_APPEND,
  O_CREAT,
  O_EXCL,
  O_NOCTTY,
  O_NOFOLLOW,
  O_NONBLOCK,
  O_WRONLY,
  reopen,
  tryPin,
  withHandle,
} from './safe-open.js';
import { withAuthorizedParent } from './parent-dir.js';

export interface OpenForWriteOptions {
  readonly append: boolean;
  /** Permission bits for a newly created file (the process umask still applies). */
  readonly mode?: number;
}

/** Creation can race with another process creating the same name; retry a few times, then give up. */
const MAX_ATTEMPTS = 3;

/** An existing file: open+write on it (and on its real path when the name is a symlink). */
function openExisting(ctx: SdkContext, scope: Scope, h: Handle, path: string, append: boolean): number {
  scope.ask('open', FILE, path);
  scope.ask('write', FILE, path);
  // The name is a symlink: the file really written must be allowed as well, with its own ancestors.
  if (h.real !== scope.real(path)) {
    askAll(ctx, [
      { act: 'open', kind: DIR, path: posix.dirname(h.real) },
      { act: 'open', kind: FILE, path: h.real },
      { act: 'write', kind: FILE, path: h.real },
    ]);
  }
  if (h.stat.isDirectory()) throw new SdkError('IS_A_DIR', `${path} is a directory`);
  // Only regular files are written: opening a FIFO for writing blocks, a device write has side effects.
  if (!h.stat.isFile()) throw new SdkError('NOT_A_FILE', `${path} is not a regular file`);
  return reopen(h, O_WRONLY | (append ? O_APPEND : 0));
}

/**
 * Opens `path` for writing through a held parent directory descriptor, creating the file when absent.
 * Requests: `open` Dir(parent); existing file: `open`+`write` File; new file: `create`+`open`+`write`
 * File. The returned descriptor is NOT truncated: the caller decides once it has checked what it needs.
 */
export function openForWrite(ctx: SdkContext, path: string, opts: OpenForWriteOptions): number {
  if (path === '/') throw new SdkError('IS_A_DIR', '/ is a directory');
  const parent = posix.dirname(path);
  const name = posix.basename(path);
  return withAuthorizedParent(ctx, parent, (dir, scope) => {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const existing = tryPin(atPath(dir.fd, name), path, { follow: true });
      if (existing !== null) return withHandle(existing, (h) => openExisting(ctx, scope, h, path, opts.append));
      const dangling = tryPin(atPath(dir.fd, name), path, { follow: false });
      if (dangling !== null) {
        closeQuietly(dangling.fd);
        // Writing through a dangling symlink would create its target somewhere never authorized.
        if (dangling.stat.isSymbolicLink()) throw new SdkError('NOT_FOUND', `${path} is a dangling symlink`);
        continue; // created concurrently: look again
      }
      scope.ask('create', FILE, path);
      scope.ask('open', FILE, path);
      scope.ask('write', FILE, path);
      try {
        // O_EXCL|O_NOFOLLOW: create exactly this name in the held directory, never follow a link planted meanwhile.
        const flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | (opts.append ? O_APPEND : 0);
        return openSync(atPath(dir.fd, name), flags, opts.mode ?? 0o666);
      } catch (err) {
        if (isErrno(err, 'EEXIST')) continue; // someone created it after our probe: treat it as existing
        throw fsError(err, path);
      }
    }
    throw new SdkError('CONFLICT', `${path} kept changing while being opened`);
  });
}

/** Writes every byte (writeSync may write less than asked). */
export function writeAll(ctx: SdkContext, fd: number, bytes: Uint8Array, shownAs: string): void {
  let offset = 0;
  while (offset < bytes.length) {
    checkDeadline(ctx);
    offset += sys(shownAs, () => writeSync(fd, bytes, offset, bytes.length - offset, null));
  }
}

/** fs.write(path, data, {append?}) */
export function writeFile(ctx: SdkContext, rawPath: HostValue, data: HostValue, options: HostValue): void {
  ctx.budget.spend();
  const path = canonicalPath(rawPath);
  const bytes = parseData(data);
  const append = parseFlags(options, ['append'], 'fs.write').append === true;
  const fd = openForWrite(ctx, path, { append });
  try {
    if (!append) sys(path, () => { ftruncateSync(fd, 0); });
    writeAll(ctx, fd, bytes, path);
  } finally {
    closeQuietly(fd);
  }
}
