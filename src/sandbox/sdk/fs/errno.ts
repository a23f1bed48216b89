import { WritError } from '../../../core/errors.js';
import { SdkError } from '../../errors.js';

/**
 * Stable SdkError codes raised by the fs module (ACCESS_DENIED and limit errors come from elsewhere).
 * The guest sees them as `.code`; tests assert them, never messages.
 */
export type FsErrorCode =
  | 'INVALID_ARGUMENT'
  | 'INVALID_PATH'
  | 'NOT_FOUND'
  | 'EXISTS'
  | 'NOT_A_FILE'
  | 'NOT_A_DIR'
  | 'IS_A_DIR'
  | 'NOT_EMPTY'
  | 'FILE_TOO_LARGE'
  | 'HOST_PERMISSION'
  | 'CROSS_DEVICE'
  | 'NO_SPACE'
  | 'READ_ONLY'
  | 'CONFLICT'
  | 'SAME_FILE'
  | 'SYMLINK_LOOP'
  | 'IO_ERROR';

const BY_ERRNO: Readonly<Record<string, FsErrorCode>> = {
  ENOENT: 'NOT_FOUND',
  EEXIST: 'EXISTS',
  ENOTDIR: 'NOT_A_DIR',
  EISDIR: 'IS_A_DIR',
  ENOTEMPTY: 'NOT_EMPTY',
  // The host OS refused (file mode, ownership): distinct from a Cedar denial, which is ACCESS_DENIED.
  EACCES: 'HOST_PERMISSION',
  EPERM: 'HOST_PERMISSION',
  EXDEV: 'CROSS_DEVICE',
  ENOSPC: 'NO_SPACE',
  EDQUOT: 'NO_SPACE',
  EROFS: 'READ_ONLY',
  ENAMETOOLONG: 'INVALID_PATH',
  // Too many symlinks (a loop); the fs module never relies on ELOOP from O_NOFOLLOW.
  ELOOP: 'SYMLINK_LOOP',
  EINVAL: 'INVALID_ARGUMENT',
};

function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = err.code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** True when `err` is a Node system error with this errno name (e.g. 'EEXIST'). */
export function isErrno(err: unknown, name: string): boolean {
  return !(err instanceof WritError) && errnoCode(err) === name;
}

/**
 * Turns a Node system error into an SdkError naming the REQUESTED path (never a /proc/self/fd path,
 * which would mean nothing to the script). WritErrors (denials, limits) pass through unchanged.
 */
export function fsError(err: unknown, path: string): WritError {
  if (err instanceof WritError) return err;
  const errno = errnoCode(err);
  const code: FsErrorCode = (errno !== undefined ? BY_ERRNO[errno] : undefined) ?? 'IO_ERROR';
  return new SdkError(code, `${errno ?? 'error'}: ${path}`, { cause: err });
}

/** Runs a host call and converts any system error into an SdkError for `path`. */
export function sys<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw fsError(err, path);
  }
}
