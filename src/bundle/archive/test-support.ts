// Test helpers for the archive tests: real archives built with tar-stream's packer and GNU tar.
// (Excluded from the build by tsconfig.build.json's `test-support.ts` rule.)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createGzip, gzipSync } from 'node:zlib';
import { pack as createPacker, type Header } from 'tar-stream';
import { BundleError, type BundleErrorCode } from '../errors.js';

export const BLOCK = 512;

/** A tar entry for the packer: any header tar-stream accepts, and an optional body. */
export interface RawEntry {
  readonly header: Partial<Header> & { readonly name: string; readonly pax?: Record<string, string> };
  readonly body?: string | Uint8Array;
}

/** An uncompressed tar written by tar-stream, hostile names and types included, with its end marker. */
export async function tarOf(entries: readonly RawEntry[]): Promise<Buffer> {
  const packer = createPacker();
  const chunks: Buffer[] = [];
  packer.on('data', (chunk) => {
    assert.ok(Buffer.isBuffer(chunk));
    chunks.push(chunk);
  });
  const ended = new Promise<void>((resolve, reject) => {
    packer.on('end', resolve);
    packer.on('error', reject);
  });
  for (const { header, body } of entries) {
    const full = { mtime: new Date(0), ...header };
    if (body === undefined) packer.entry(full);
    else packer.entry(full, typeof body === 'string' ? Buffer.from(body) : Buffer.from(body));
  }
  packer.finalize();
  await ended;
  return Buffer.concat(chunks);
}

/** tarOf, gzipped: a bundle. */
export async function bundleOf(entries: readonly RawEntry[]): Promise<Buffer> {
  return gzipSync(await tarOf(entries));
}

/** Files as tar entries (regular files, default header). */
export function fileEntries(files: Record<string, string>): RawEntry[] {
  return Object.entries(files).map(([name, body]) => ({ header: { name }, body }));
}

/** Rewrites fields of the header block at `offset` in place and fixes its checksum. */
export function patchHeader(
  tar: Buffer,
  offset: number,
  patch: { readonly name?: Uint8Array; readonly size?: Uint8Array; readonly typeflag?: string },
): Buffer {
  const header = tar.subarray(offset, offset + BLOCK);
  if (patch.name !== undefined) {
    header.fill(0, 0, 100);
    header.set(patch.name, 0);
  }
  if (patch.size !== undefined) {
    header.fill(0, 124, 136);
    header.set(patch.size, 124);
  }
  if (patch.typeflag !== undefined) header.write(patch.typeflag, 156, 'latin1');
  header.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return tar;
}

/** Asserts that `promise` rejects with a BundleError carrying `code` (never looks at messages). */
export async function rejectsWith(promise: Promise<unknown>, code: BundleErrorCode): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof BundleError, `expected a BundleError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

/** A fresh temporary directory and its removal. */
export function tempDir(): { readonly path: string; readonly remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'writ-'));
  return {
    path,
    remove: () => {
      rmSync(path, { recursive: true, force: true });
    },
  };
}

/** Writes `files` (relative paths) under `dir`, creating parents. */
export function writeTree(dir: string, files: Record<string, string>): void {
  for (const [name, body] of Object.entries(files)) {
    const target = join(dir, name);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, body);
  }
}

/** Runs GNU tar with `args` in `cwd` and returns nothing; throws if tar fails. */
export function gnuTar(cwd: string, args: readonly string[]): void {
  execFileSync('tar', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Text view of an unpacked map, for readable deepEqual failures. */
export function asText(files: ReadonlyMap<string, Uint8Array>): Record<string, string> {
  return Object.fromEntries([...files].map(([name, body]) => [name, Buffer.from(body).toString('utf8')]));
}

/**
 * A gzip'd tar holding one file of `bytes` zeros, streamed through the packer and gzip so the zeros
 * are never held in memory at once: the classic decompression bomb.
 */
export async function zeroBomb(bytes: number): Promise<Buffer> {
  const packer = createPacker();
  const gzip = createGzip();
  const out: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => out.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    gzip.on('end', resolve);
    gzip.on('error', reject);
    packer.on('error', reject);
  });
  packer.on('data', (chunk) => {
    assert.ok(Buffer.isBuffer(chunk));
    // Honour gzip's backpressure, or its input queue would end up holding all the zeros.
    if (!gzip.write(chunk)) {
      packer.pause();
      gzip.once('drain', () => packer.resume());
    }
  });
  packer.on('end', () => gzip.end());
  const sink = packer.entry({ name: 'zeros.bin', size: bytes, mtime: new Date(0) });
  const chunk = Buffer.alloc(1024 * 1024);
  for (let written = 0; written < bytes; written += chunk.byteLength) {
    const part = chunk.subarray(0, Math.min(chunk.byteLength, bytes - written));
    if (!sink.write(part)) await new Promise<void>((resolve) => sink.once('drain', () => {
        resolve();
      }));
  }
  sink.end(null);
  packer.finalize();
  await done;
  return Buffer.concat(out);
}
