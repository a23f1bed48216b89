import { constants } from 'node:fs';
import { lstat, mkdir, open, type FileHandle } from 'node:fs/promises';
import { WritError } from '../../core/errors.js';
import type { Refusal } from './outbox.js';

/** Files in the inbox: which names count, and how a claimed one is read without trusting it. */
export const SUFFIX = '.writ';
export const DIR_MODE = 0o700;
const READ_CHUNK = 1024 * 1024;

export function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

/** Regular-file candidates only by name here: hidden names are temp files (rsync, scp, ours). */
export function isCandidate(name: string): boolean {
  return name.endsWith(SUFFIX) && name.length > SUFFIX.length && !name.startsWith('.');
}

export async function prepareDirectory(path: string, what: string): Promise<{ dev: number; ino: number }> {
  try {
    await mkdir(path, { recursive: true, mode: DIR_MODE });
  } catch (err) {
    if (errnoOf(err) !== 'EEXIST') throw new WritError('CONFIG_INVALID', `dirDrop.${what}: cannot create ${path}: ${errnoOf(err) ?? String(err)}`, { cause: err });
  }
  const st = await lstat(path);
  // A link could point anywhere, and could be re-pointed later: name the real directory instead.
  if (st.isSymbolicLink()) throw new WritError('CONFIG_INVALID', `dirDrop.${what}: ${path} is a symbolic link; give the directory it points to`);
  if (!st.isDirectory()) throw new WritError('CONFIG_INVALID', `dirDrop.${what}: ${path} is not a directory`);
  return { dev: st.dev, ino: st.ino };
}

export type ReadOutcome = { readonly ok: true; readonly bytes: Buffer } | { readonly ok: false; readonly refusal: Refusal };

const tooLarge = (name: string, size: number, limit: number): ReadOutcome => ({
  ok: false,
  refusal: { code: 'TOO_LARGE', message: `${name} is ${size} bytes or more; the limit is ${limit}` },
});

/**
 * Reads a claimed file without following a link and without blocking on a FIFO, and never more
 * than `limit + 1` bytes: the size from stat is checked first, and the read itself is bounded too.
 */
export async function readBounded(path: string, name: string, limit: number): Promise<ReadOutcome> {
  const notAFile: ReadOutcome = { ok: false, refusal: { code: 'NOT_A_FILE', message: `${name} is not a regular file` } };
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    if (errnoOf(err) === 'ELOOP' || errnoOf(err) === 'EMLINK') return notAFile;
    throw err;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) return notAFile;
    if (st.size > limit) return tooLarge(name, st.size, limit);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(total === 0 ? st.size + 1 : READ_CHUNK, limit + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, total);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > limit) return tooLarge(name, total, limit);
    }
    return { ok: true, bytes: Buffer.concat(chunks, total) };
  } finally {
    await handle.close();
  }
}
