import { constants as zlibConstants, gzipSync } from 'node:zlib';
import { pack as createPacker } from 'tar-stream';
import { BundleError } from '../errors.js';
import { assertValidLimits, DEFAULT_UNPACK_LIMITS, maxTarBytes, type UnpackLimits } from './limits.js';
import { normalizeBundlePath } from './paths.js';
import { BundleTree } from './tree.js';

/** Offset of the OS byte in the gzip header (RFC 1952 §2.3). */
const GZIP_OS_OFFSET = 9;
/** RFC 1952 "Unix": what zlib writes on Linux and macOS. */
const GZIP_OS_UNIX = 3;

/**
 * Writes a bundle (`bundle.tar.gz`) holding exactly `files`, deterministically: the same map gives the
 * same bytes, so a bundle can be rebuilt and compared, and its signature reproduced.
 *
 * - ustar entries (pax only for names ustar cannot hold), in sorted path order, regular files only;
 *   parent directories are implied, not emitted, as nothing reads their metadata anyway;
 * - no metadata from the machine: mode 0644, mtime 0, uid/gid 0, empty user and group names;
 * - gzip level 9 with zlib's own fixed header (mtime 0) and the OS byte pinned to Unix.
 * Byte-identical output across Node versions is not promised: it depends on zlib's deflate.
 *
 * Paths go through the same rule as unpackBundle, and the result is checked against `limits` (by
 * default the ones unpackBundle applies), so writ never produces a bundle it would refuse to read.
 * Throws BundleError UNSAFE_PATH or TOO_LARGE.
 */
export async function packBundle(
  files: ReadonlyMap<string, Uint8Array>,
  limits: UnpackLimits = DEFAULT_UNPACK_LIMITS,
): Promise<Uint8Array> {
  assertValidLimits(limits);
  const entries = normalizeEntries(files, limits);
  const tar = await writeTar(entries);
  const gz = gzipSync(tar, { level: zlibConstants.Z_BEST_COMPRESSION });
  // zlib writes the OS it was built for (Windows builds write 10); pin it so the platform cannot leak in.
  gz[GZIP_OS_OFFSET] = GZIP_OS_UNIX;
  // The reader caps decompressed size by ratio; a very compressible bundle could pass every other check.
  if (tar.byteLength > maxTarBytes(gz.byteLength, limits)) {
    throw new BundleError('TOO_LARGE', 'bundle compresses too well to pass the decompression-ratio limit');
  }
  // A tight copy: zlib's result may be a view into a larger output chunk.
  return new Uint8Array(gz);
}

interface PackEntry {
  readonly path: string;
  readonly body: Uint8Array;
}

/** Applies the reader's path, tree and size rules, and fixes the entry order. */
function normalizeEntries(files: ReadonlyMap<string, Uint8Array>, limits: UnpackLimits): PackEntry[] {
  // The reader counts entries; parent directories are not emitted, so files are all of them.
  if (files.size > limits.maxEntries) throw new BundleError('TOO_LARGE', `more than ${limits.maxEntries} files`);
  const tree = new BundleTree();
  const entries: PackEntry[] = [];
  let total = 0;
  for (const [name, body] of files) {
    const path = normalizeBundlePath(name, 'file');
    // `./a` and `a` are one file to the reader, which would refuse the pair as a duplicate.
    tree.addFile(path);
    // Same per-file and total caps as the reader, so the reader will not refuse what we write.
    if (body.byteLength > limits.maxFileBytes) throw new BundleError('TOO_LARGE', `${JSON.stringify(path)} is larger than ${limits.maxFileBytes} bytes`);
    total += body.byteLength;
    if (total > limits.maxTotalBytes) throw new BundleError('TOO_LARGE', `files total more than ${limits.maxTotalBytes} bytes`);
    entries.push({ path, body });
  }
  // Code-unit order, not localeCompare: the order must not depend on the machine's locale.
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Streams the entries through tar-stream's packer and collects the tar in memory. */
function writeTar(entries: readonly PackEntry[]): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const packer = createPacker();
    const chunks: Buffer[] = [];
    packer.on('data', (chunk) => {
      // Typed `unknown` by streamx; tar-stream only ever pushes Buffers.
      if (Buffer.isBuffer(chunk)) chunks.push(chunk);
      else packer.destroy(new Error('tar-stream produced non-Buffer output'));
    });
    packer.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
    packer.on('error', reject);
    try {
      for (const { path, body } of entries) {
        packer.entry(
          { name: path, type: 'file', mode: 0o644, mtime: new Date(0), uid: 0, gid: 0, uname: '', gname: '' },
          // tar-stream only recognizes a Buffer as a body; this is a view, not a copy.
          Buffer.from(body.buffer, body.byteOffset, body.byteLength),
        );
      }
      packer.finalize();
    } catch (err) {
      packer.destroy();
      reject(err instanceof Error ? err : new Error(String(err)));
    }
  });
}
