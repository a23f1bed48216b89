import { gunzipSync } from 'node:zlib';
import { BundleError } from '../errors.js';
import { maxTarBytes, type UnpackLimits } from './limits.js';

/**
 * Decompresses a whole bundle in memory, refusing to produce more than the limits allow.
 *
 * zlib stops as soon as its output would pass `maxOutputLength`, so a gzip bomb costs us at most that
 * many bytes and never the size it claims. Concatenated gzip members (`cat a.gz b.gz`) are decoded
 * as one stream, as gzip(1) does; trailing zero bytes after the last member are ignored by zlib, and
 * any other trailing bytes are an error (they are covered by the signature, but they are not a tar).
 */
export function gunzipBounded(gz: Uint8Array, limits: UnpackLimits): Buffer {
  const maxOutputLength = maxTarBytes(gz.byteLength, limits);
  try {
    return gunzipSync(gz, { maxOutputLength });
  } catch (err) {
    // zlib reports a bomb as a RangeError with this code once its output would pass the cap.
    if (err instanceof RangeError && (err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new BundleError('TOO_LARGE', `bundle decompresses to more than ${maxOutputLength} bytes`, { cause: err });
    }
    // Anything else (bad magic, bad CRC, truncated stream, trailing garbage) means not a valid gzip.
    throw new BundleError('MALFORMED', 'bundle is not a valid gzip stream', { cause: err });
  }
}
