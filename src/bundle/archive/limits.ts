import { constants as bufferConstants } from 'node:buffer';

/**
 * How much a bundle may cost us to unpack. A bundle is only unpacked after its signature verified,
 * but a careless signer can still sign a gzip bomb, so every dimension an attacker controls is capped.
 */
export interface UnpackLimits {
  /** Most tar entries (files, directories, the `./` entry) one bundle may hold. */
  readonly maxEntries: number;
  /** Largest single file, judged by its declared size before its body is read. */
  readonly maxFileBytes: number;
  /** Largest sum of file sizes, and the hard ceiling on decompressed size. */
  readonly maxTotalBytes: number;
  /** Beyond `ratioFloorBytes`, decompressed size may be at most this many times the compressed size. */
  readonly maxRatio: number;
  /** Decompressed size that is always allowed, whatever the ratio (small bundles compress very well). */
  readonly ratioFloorBytes: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_UNPACK_LIMITS: UnpackLimits = Object.freeze({
  maxEntries: 1000,
  maxFileBytes: 64 * MiB,
  maxTotalBytes: 256 * MiB,
  maxRatio: 200,
  ratioFloorBytes: 16 * MiB,
});

/**
 * Tar bytes allowed per entry on top of file content: the header block, a pax header block with its
 * (usually one-block) record for long or non-ASCII names, and up to 511 bytes of padding.
 * Archives whose pax records are larger than that are refused as TOO_LARGE only when they are
 * already close to the content limit, which is an acceptable price for a simple, fixed bound.
 */
const TAR_BYTES_PER_ENTRY = 4 * 512;

/** The end-of-archive marker plus GNU tar's padding of the last record to 10 KiB. */
const TAR_TRAILER_BYTES = 20 * 512;

/**
 * Most decompressed (tar) bytes a gzip of `compressedBytes` may expand to: content may always reach
 * `ratioFloorBytes`, beyond that `maxRatio` × compressed size, never more than `maxTotalBytes`;
 * plus a fixed allowance for tar headers and padding, which are not file content.
 */
export function maxTarBytes(compressedBytes: number, limits: UnpackLimits): number {
  const byRatio = Math.floor(limits.maxRatio * compressedBytes);
  const content = Math.min(limits.maxTotalBytes, Math.max(limits.ratioFloorBytes, byRatio));
  const slack = limits.maxEntries * TAR_BYTES_PER_ENTRY + TAR_TRAILER_BYTES;
  // zlib cannot allocate more than this anyway; asking for more would be a RangeError of its own.
  return Math.min(content + slack, bufferConstants.MAX_LENGTH);
}

/**
 * Limits come from code, not from the bundle, so a bad value is a programming error: it is reported
 * as a RangeError rather than disguised as a bundle rejection.
 */
export function assertValidLimits(limits: UnpackLimits): void {
  const counts: readonly (keyof UnpackLimits)[] = ['maxEntries', 'maxFileBytes', 'maxTotalBytes', 'ratioFloorBytes'];
  for (const key of counts) {
    const value = limits[key];
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`UnpackLimits.${key} must be a non-negative safe integer, got ${value}`);
    }
  }
  if (!Number.isFinite(limits.maxRatio) || limits.maxRatio < 0) {
    throw new RangeError(`UnpackLimits.maxRatio must be a non-negative finite number, got ${limits.maxRatio}`);
  }
}
