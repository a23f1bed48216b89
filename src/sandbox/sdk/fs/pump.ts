import { readSync } from 'node:fs';
import type { SdkContext } from '../context.js';
import { sys } from './errno.js';
import { checkDeadline } from './limits.js';
import { writeAll } from './write.js';

const CHUNK = 64 * 1024;

/** Copies bytes from one descriptor to another until EOF, checking the run deadline between chunks. */
export function pump(ctx: SdkContext, from: number, to: number, src: string, dst: string): void {
  const buf = Buffer.allocUnsafe(CHUNK);
  for (;;) {
    checkDeadline(ctx);
    const n = sys(src, () => readSync(from, buf, 0, CHUNK, null));
    if (n === 0) return;
    writeAll(ctx, to, buf.subarray(0, n), dst);
  }
}
