import { BundleError } from '../errors.js';
import { BLOCK } from './tar-entries.js';

/** Where an entry sits in the tar: its own header block up to the end of its padded data. */
export interface EntrySpan {
  readonly start: number;
  readonly end: number;
}

/** POSIX ends an archive with two zero blocks. */
const END_MARKER_BYTES = 2 * BLOCK;

/**
 * Checks that the entries tar-stream reported are all the archive holds, as any other tar reader
 * would see it.
 *
 * tar-stream does not stop at the end-of-archive marker: it skips zero blocks and keeps parsing, so
 * entries hidden after the marker reach us while GNU tar (without -i) never lists them. A signer who
 * reviewed the bundle with `tar tzf` would not have seen them. So:
 *  - between entries, only pax / long-name headers may appear, never a zero block (GNU tar would
 *    take it as the end of the archive);
 *  - after the last entry there must be the end marker, and nothing but zero bytes up to the end
 *    (GNU tar pads the last record with zeros). Requiring the marker also catches a tar cut off
 *    exactly at an entry boundary, which tar-stream reads as a shorter, valid archive.
 * `spans` must be in archive order, as tar-stream reports them.
 */
export function checkArchiveEnd(tar: Uint8Array, spans: readonly EntrySpan[]): void {
  let position = 0;
  for (const span of spans) {
    // Offsets going backwards would mean we misread the archive; refuse rather than guess.
    if (span.start < position || span.end > tar.byteLength) throw malformed('entry offsets are inconsistent');
    for (let block = position; block < span.start; block += BLOCK) {
      // A zero block before an entry is an early end-of-archive marker: other readers stop there.
      if (isZero(tar, block, block + BLOCK)) throw malformed(`entries follow an end-of-archive marker at byte ${block}`);
    }
    position = span.end;
  }
  // Without the marker the archive may have been cut short at an entry boundary.
  if (tar.byteLength - position < END_MARKER_BYTES) throw malformed('the end-of-archive marker is missing');
  // Trailing bytes are not part of any entry; only zero padding is acceptable there.
  if (!isZero(tar, position, tar.byteLength)) throw malformed('non-zero bytes follow the end of the archive');
}

function isZero(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    if (bytes[i] !== 0) return false;
  }
  return true;
}

function malformed(why: string): BundleError {
  return new BundleError('MALFORMED', `bundle is not a valid tar archive: ${why}`);
}
