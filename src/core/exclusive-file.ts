import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';

/**
 * Creates `path` holding `text`, and fails (EEXIST) if anything is there. O_EXCL makes the check and
 * the creation one step, and the mode is set at creation, so a private key is never readable by
 * others even for a moment. The data is fsynced before this returns: on disk before it is reported.
 */
export function writeNewFileDurably(path: string, text: string, mode: number): void {
  const fd = openSync(path, 'wx', mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
