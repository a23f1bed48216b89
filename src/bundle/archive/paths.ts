import { BundleError } from '../errors.js';

/** What a tar entry is, as far as path rules care: only files and directories ever reach them. */
export type BundleEntryKind = 'file' | 'directory';

/** Linux PATH_MAX: a longer path cannot be created on disk, so no honest bundle holds one. */
export const MAX_PATH_BYTES = 4096;

/** NAME_MAX of common file systems: a longer name cannot be created on disk either. */
export const MAX_SEGMENT_BYTES = 255;

/** Longest excerpt of a refused path quoted in an error message (pax paths may be megabytes). */
const QUOTE_CHARS = 120;

/**
 * The one path rule shared by the reader and the writer, so that writ never writes a bundle it would
 * refuse to read. Returns the normalized relative POSIX path (`script.js`, `inputs/data.csv`), or
 * `''` for the archive root directory (`./` or `.`, which GNU tar emits for `-C dir .`).
 *
 * Rather than repairing odd paths we refuse them: whoever signed the bundle reviewed it with some
 * other tool, and any path two tools could read differently is a place where they can disagree.
 */
export function normalizeBundlePath(raw: string, kind: BundleEntryKind = 'file'): string {
  const refuse = (why: string): BundleError => new BundleError('UNSAFE_PATH', `unsafe path ${quote(raw)}: ${why}`);

  // An empty name has no place to go; some extractors would write into the target directory itself.
  if (raw.length === 0) throw refuse('empty path');
  // NUL truncates the name in C APIs, newlines and escapes forge listings and logs (C0, DEL and C1).
  if (/\p{Cc}/u.test(raw)) throw refuse('control characters are not allowed');
  // U+FFFD means the name was not valid UTF-8: different byte names would silently become one name.
  if (raw.includes('\uFFFD')) throw refuse('the name is not valid UTF-8');
  // A backslash is a separator on Windows, so `..\x` would escape there while looking harmless here.
  if (raw.includes('\\')) throw refuse('backslashes are not allowed');
  // `C:x` and `C:/x` are drive-relative or absolute on Windows.
  if (/^[A-Za-z]:/.test(raw)) throw refuse('Windows drive letters are not allowed');
  // An absolute name would be written outside the unpack directory by a naive extractor.
  if (raw.startsWith('/')) throw refuse('absolute paths are not allowed');

  let path = raw;
  // A trailing slash marks a directory; on a file it would make the same bytes name two things.
  if (path.endsWith('/')) {
    if (kind === 'file') throw refuse('a file path may not end with "/"');
    path = path.slice(0, -1);
  }
  // GNU tar's `-C dir .` prefixes every name with `./`; `././x` is the same name, so strip them all.
  while (path.startsWith('./')) path = path.slice(2);

  if (path === '' || path === '.') {
    // The root directory entry carries nothing we keep; a file cannot be the root.
    if (kind === 'directory') return '';
    throw refuse('the path names the archive root');
  }

  // Byte lengths, not UTF-16 lengths: file systems count bytes.
  if (Buffer.byteLength(path, 'utf8') > MAX_PATH_BYTES) throw refuse(`longer than ${MAX_PATH_BYTES} bytes`);
  for (const segment of path.split('/')) {
    // `a//b` (or `.//x` after stripping) reads as `a/b` to some tools and as something else to others.
    if (segment === '') throw refuse('empty path segments ("//") are not allowed');
    // `.` inside a path means two spellings for one file, which defeats duplicate detection.
    if (segment === '.') throw refuse('"." segments are not allowed');
    // `..` walks out of the unpack directory (zip-slip).
    if (segment === '..') throw refuse('".." segments are not allowed');
    if (Buffer.byteLength(segment, 'utf8') > MAX_SEGMENT_BYTES) throw refuse(`a name is longer than ${MAX_SEGMENT_BYTES} bytes`);
  }
  return path;
}

function quote(raw: string): string {
  const shown = raw.length > QUOTE_CHARS ? `${raw.slice(0, QUOTE_CHARS)}…` : raw;
  // JSON quoting makes control characters visible instead of letting them act on a terminal.
  return JSON.stringify(shown);
}
