import { closeSync, constants, fchmodSync, fstatSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { RunStoreError, runStoreError } from './errors.js';

/**
 * Makes sure the database file exists with owner-only permissions before SQLite opens it. SQLite
 * creates the -wal and -shm files with the database file's mode, so they inherit 0600 from it.
 */
export function prepareDatabaseFile(path: string): void {
  try {
    // 0700: run outputs can hold anything a script printed; other local users must not list or read them.
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch (err) {
    throw runStoreError('STORE_UNUSABLE', `${dirname(path)}: cannot create the run store directory: ${errnoOf(err)}`, { cause: err });
  }
  let fd: number;
  try {
    // O_NOFOLLOW: a symlink planted at the store's path must not redirect our writes to another file.
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  } catch (err) {
    throw runStoreError('STORE_UNUSABLE', `${path}: cannot open the run store: ${errnoOf(err)}`, { cause: err });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw runStoreError('STORE_UNUSABLE', `${path}: the run store is not a regular file`);
    // 0600: an existing file created under a looser umask is tightened, never left readable by others.
    if ((st.mode & 0o077) !== 0) fchmodSync(fd, 0o600);
  } catch (err) {
    if (err instanceof RunStoreError) throw err;
    throw runStoreError('STORE_UNUSABLE', `${path}: cannot restrict the run store to its owner: ${errnoOf(err)}`, { cause: err });
  } finally {
    closeSync(fd);
  }
}

function errnoOf(err: unknown): string {
  return (err as NodeJS.ErrnoException | null)?.code ?? String(err);
}
