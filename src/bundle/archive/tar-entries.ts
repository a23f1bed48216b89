import { extract as createExtractor, type ExtractEvents, type Header } from 'tar-stream';
import { BundleError } from '../errors.js';

/** Tar block size: headers and the start of every entry's data are aligned to it. */
export const BLOCK = 512;

/** A tar header as tar-stream decoded it, after applying pax and GNU long-name headers. */
export interface TarHeader {
  readonly name: string;
  /** tar-stream's type name; `null` for a typeflag it does not know (GNU sparse, volume label, ...). */
  readonly type: Header['type'] | null;
  /** Declared size; may be huge or odd, it has not been checked against anything yet. */
  readonly size: number;
  /** Keys of the entry's pax extended header (empty without one). */
  readonly paxKeys: readonly string[];
  /** Offset of the entry's own header block in the tar (pax / long-name headers come before it). */
  readonly start: number;
}

export interface TarEntry extends TarHeader {
  /** Offset just past the entry's data and padding. */
  readonly end: number;
  /** The file body (a fresh copy), or `null` for an entry without data such as a directory. */
  readonly body: Uint8Array | null;
}

/** Called for each header before its body is read; throws (a BundleError) to refuse the archive. */
export type InspectHeader = (header: TarHeader) => void;

/** tar-stream's entry body stream (not exported by name); its `offset` is the header's offset. */
type EntrySource = ExtractEvents['entry'][1];

/**
 * Runs tar-stream over a complete tar held in memory and collects every entry it reports, with the
 * offsets needed to check what lies between and after entries. tar-stream's stream plumbing is
 * wrapped so that the promise always settles: every path ends in exactly one resolve or reject, and a
 * rejection destroys the extractor so nothing keeps running afterwards.
 */
export function readTarEntries(tar: Uint8Array, inspect: InspectHeader): Promise<TarEntry[]> {
  return new Promise<TarEntry[]>((resolve, reject) => {
    const extract = createExtractor();
    const entries: TarEntry[] = [];
    let settled = false;
    let finished = false;
    // tar-stream may report 'finish' while the last entry's body is still being delivered.
    let bodyInFlight = false;

    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      extract.destroy();
      reject(asBundleError(err));
    };
    const succeedIfDone = (): void => {
      if (settled || !finished || bodyInFlight) return;
      settled = true;
      resolve(entries);
    };

    extract.on('entry', (raw, body, next) => {
      if (settled) return;
      try {
        const header = describe(raw, body);
        inspect(header);
        const dataBytes = header.type === 'directory' ? 0 : header.size;
        const end = header.start + BLOCK + roundUpToBlock(dataBytes);
        // tar-stream never feeds a directory's body (and a size-0 body is empty): nothing to wait for.
        if (dataBytes === 0) {
          entries.push({ ...header, end, body: null });
          next();
          return;
        }
        // Checked before allocating; the inspector is expected to have bounded the size already.
        if (!Number.isSafeInteger(dataBytes)) throw new BundleError('MALFORMED', `${label(header.name)} has an invalid size`);
        bodyInFlight = true;
        readBody(body, dataBytes, header.name, (err, bytes) => {
          if (settled) return;
          if (err !== null) {
            fail(err);
            return;
          }
          entries.push({ ...header, end, body: bytes });
          bodyInFlight = false;
          next();
          succeedIfDone();
        });
      } catch (err) {
        fail(err);
      }
    });
    // Bad checksums, unknown formats and truncation ("Unexpected end of data") all arrive here.
    extract.on('error', fail);
    extract.on('finish', () => {
      finished = true;
      succeedIfDone();
    });
    // Last resort: a close without 'finish' or 'error' must not leave the promise pending.
    extract.on('close', () => {
      if (!finished) fail(new BundleError('MALFORMED', 'tar reader stopped before the end of the archive'));
    });
    // One write of the whole buffer; tar-stream consumes it as views, without copying.
    extract.end(Buffer.from(tar.buffer, tar.byteOffset, tar.byteLength));
  });
}

/** Copies an entry body into a buffer of exactly the declared size; reports exactly once. */
function readBody(
  body: EntrySource,
  size: number,
  name: string,
  done: (err: unknown, bytes: Uint8Array) => void,
): void {
  // A fresh, exactly sized buffer: returned files must not alias the tar or Buffer's shared pool.
  const bytes = new Uint8Array(size);
  let filled = 0;
  let reported = false;
  const report = (err: unknown): void => {
    if (reported) return;
    reported = true;
    done(err, bytes);
  };
  body.on('data', (chunk) => {
    // The stream is typed `unknown`; tar-stream hands out Buffers, and anything else is refused.
    if (!(chunk instanceof Uint8Array)) {
      report(new BundleError('MALFORMED', `${label(name)} produced non-binary data`));
      return;
    }
    // tar-stream never over-delivers; if it ever did, writing past `size` must not happen silently.
    if (chunk.byteLength > size - filled) {
      report(new BundleError('MALFORMED', `${label(name)} is longer than its declared size`));
      return;
    }
    bytes.set(chunk, filled);
    filled += chunk.byteLength;
  });
  body.on('end', () => {
    // A short body would otherwise be returned padded with zeros.
    if (filled !== size) report(new BundleError('MALFORMED', `${label(name)} is shorter than its declared size`));
    else report(null);
  });
  body.on('error', (err) => {
    report(err);
  });
  // A body destroyed before its end (e.g. the extractor was torn down) would otherwise never report.
  body.on('close', () => {
    report(new BundleError('MALFORMED', `${label(name)} ended early`));
  });
}

function describe(raw: Header, body: EntrySource): TarHeader {
  // The offsets drive the end-of-archive check; without them we cannot check, so we refuse.
  if (!Number.isSafeInteger(body.offset) || body.offset < 0 || body.offset % BLOCK !== 0) {
    throw new Error('tar-stream reported no usable entry offset; has its version changed?');
  }
  // Declared non-null, but tar-stream reports typeflags it does not know as null.
  const type: Header['type'] | null = raw.type;
  // A malformed base-256 size decodes to null, which slips past tar-stream's own `size >= 0` check
  // and makes it parse the entry's data as headers. Huge but whole sizes are left to the size limits.
  const size: unknown = raw.size;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) {
    throw new BundleError('MALFORMED', `${label(raw.name)} has an invalid size field`);
  }
  const pax = raw.pax;
  return {
    name: raw.name,
    type,
    size,
    paxKeys: typeof pax === 'object' && pax !== null ? Object.keys(pax) : [],
    start: body.offset,
  };
}

/** An entry name for messages: quoted (control characters made visible) and cut short (pax names can be huge). */
export function label(name: string): string {
  return `entry ${JSON.stringify(name.length > 120 ? `${name.slice(0, 120)}…` : name)}`;
}

function roundUpToBlock(bytes: number): number {
  return Math.ceil(bytes / BLOCK) * BLOCK;
}

/** Everything leaving this module is a BundleError; foreign errors are kept as the cause. */
function asBundleError(err: unknown): BundleError {
  if (err instanceof BundleError) return err;
  return new BundleError('MALFORMED', 'bundle is not a valid tar archive', { cause: err });
}
