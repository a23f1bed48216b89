import { closeSync, constants, fchmodSync, fstatSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { RegistryError } from '../errors.js';

/**
 * Makes sure the registry file exists with owner-only permissions before SQLite opens it. SQLite
 * creates the -wal and -shm files with the database file's mode, so they inherit 0600 from it.
 * A path that cannot be used is a bad option: REGISTRY_INVALID.
 */
export function prepareDatabaseFile(path: string): void {
  try {
    // 0700: the registry says which hosts the control trusts; other local users need not list it.
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new RegistryError('REGISTRY_INVALID', `${dirname(path)}: cannot create the registry directory: ${errnoOf(err)}`, { cause: err });
  }
  let fd: number;
  try {
    // O_NOFOLLOW: a symlink planted at the registry's path must not redirect our writes to another file.
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  } catch (err) {
    throw new RegistryError('REGISTRY_INVALID', `${path}: cannot open the registry: ${errnoOf(err)}`, { cause: err });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new RegistryError('REGISTRY_INVALID', `${path}: the registry is not a regular file`);
    // 0600: an existing file created under a looser umask is tightened, never left readable by others.
    if ((st.mode & 0o077) !== 0) fchmodSync(fd, 0o600);
  } catch (err) {
    if (err instanceof RegistryError) throw err;
    throw new RegistryError('REGISTRY_INVALID', `${path}: cannot restrict the registry to its owner: ${errnoOf(err)}`, { cause: err });
  } finally {
    closeSync(fd);
  }
}

function errnoOf(err: unknown): string {
  return (err as NodeJS.ErrnoException | null)?.code ?? String(err);
}
