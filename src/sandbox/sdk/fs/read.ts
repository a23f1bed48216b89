import { readSync } from 'node:fs';
import { posix } from 'node:path';
import { SdkError } from '../../errors.js';
import type { HostValue } from '../../host-api.js';
import type { SdkContext } from '../context.js';
import { canonicalPath } from '../entities.js';
import { askAll, DIR, FILE, type Step } from './authz.js';
import { sys } from './errno.js';
import { checkDeadline } from './limits.js';
import { closeQuietly, O_RDONLY, pin, reopen, withHandle } from './safe-open.js';

/** REX's requests for reading a file: open its directory, open it, read it. */
export function readSteps(path: string): Step[] {
  return [
    { act: 'open', kind: DIR, path: posix.dirname(path) },
    { act: 'open', kind: FILE, path },
    { act: 'read', kind: FILE, path },
  ];
}

const CHUNK = 64 * 1024;
/** Reads are synchronous and never re-entered, so one scratch buffer is never used by two reads at once. */
const scratch = Buffer.allocUnsafe(CHUNK);

/**
 * Reads at most `max` bytes; one byte more means FILE_TOO_LARGE. The size from stat is never trusted
 * (/proc files report 0, a file may grow while read), only the bytes actually read count.
 */
export function readBounded(ctx: SdkContext, fd: number, max: number, shownAs: string): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    checkDeadline(ctx);
    const want = Math.min(CHUNK, max + 1 - total);
    const n = sys(shownAs, () => readSync(fd, scratch, 0, want, null));
    if (n === 0) break;
    // Copy out only the bytes read: a fresh 64 KiB buffer per read made small-file reads GC-bound.
    chunks.push(Buffer.from(scratch.subarray(0, n)));
    total += n;
    // Stop as soon as the limit is crossed: never pull an unbounded stream into memory.
    if (total > max) throw new SdkError('FILE_TOO_LARGE', `${shownAs} is larger than ${max} bytes`);
  }
  const [only] = chunks;
  return chunks.length === 1 && only !== undefined ? only : Buffer.concat(chunks, total);
}

/** Authorizes and reads a whole regular file (both the requested and the real path must be allowed). */
function readChecked(ctx: SdkContext, rawPath: HostValue): Buffer {
  ctx.budget.spend();
  const path = canonicalPath(rawPath);
  // Authorize the path as written before any system call, so a denial reveals nothing about the disk.
  askAll(ctx, readSteps(path));
  return withHandle(pin(path, path, { follow: true }), (h) => {
    // A symlink somewhere on the way: the object really opened must be allowed too.
    if (h.real !== path) askAll(ctx, readSteps(h.real));
    // Checked on the O_PATH pin, before any open for reading: a FIFO would block, a device never ends.
    if (!h.stat.isFile()) throw new SdkError('NOT_A_FILE', `${path} is not a regular file`);
    const fd = reopen(h, O_RDONLY);
    try {
      return readBounded(ctx, fd, ctx.maxReadBytes, path);
    } finally {
      closeQuietly(fd);
    }
  });
}

/** fs.readBytes(path) -> Uint8Array (a plain copy, never a Node Buffer). */
export function readBytes(ctx: SdkContext, rawPath: HostValue): Uint8Array {
  return new Uint8Array(readChecked(ctx, rawPath));
}

/** fs.read(path) -> string, decoded as UTF-8 (invalid sequences become U+FFFD). */
export function readText(ctx: SdkContext, rawPath: HostValue): string {
  return readChecked(ctx, rawPath).toString('utf8');
}
