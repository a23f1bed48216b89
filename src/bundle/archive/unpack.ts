import { BundleError } from '../errors.js';
import { checkArchiveEnd } from './end-of-archive.js';
import { gunzipBounded } from './gunzip.js';
import { assertValidLimits, DEFAULT_UNPACK_LIMITS, type UnpackLimits } from './limits.js';
import { normalizeBundlePath, type BundleEntryKind } from './paths.js';
import { label, readTarEntries, type TarHeader } from './tar-entries.js';
import { BundleTree } from './tree.js';

/**
 * Unpacks a bundle (`bundle.tar.gz`, from GNU tar or from packBundle) into memory: regular files keyed
 * by normalized relative POSIX path. Directories are accepted but not returned. Nothing touches disk.
 *
 * Runs only after the signature verified, yet still trusts nothing: a careless signer can sign a bomb
 * or an archive with `../` paths, and whatever consumes the map must be able to write it out naively.
 * Rejects with a BundleError only: MALFORMED (not a gzip'd tar, or ambiguous), TOO_LARGE (a limit
 * was passed) or UNSAFE_PATH (a path, link or special file that could escape or mislead).
 * Invalid `limits` are a programming error and throw a RangeError.
 */
export async function unpackBundle(
  gz: Uint8Array,
  limits: UnpackLimits = DEFAULT_UNPACK_LIMITS,
): Promise<ReadonlyMap<string, Uint8Array>> {
  assertValidLimits(limits);
  try {
    const tar = gunzipBounded(gz, limits);
    let entryCount = 0;
    let declaredTotal = 0;
    const entries = await readTarEntries(tar, (header) => {
      entryCount += 1;
      // Each entry costs a header parse and a map slot; a million empty files is a bomb too.
      if (entryCount > limits.maxEntries) throw new BundleError('TOO_LARGE', `bundle has more than ${limits.maxEntries} entries`);
      const kind = entryKind(header);
      // Unsafe paths are refused before their bodies are read (and checked again below, in order).
      normalizeBundlePath(header.name, kind);
      if (kind === 'file') {
        // Checked on the declared size, before a single body byte is buffered.
        if (header.size > limits.maxFileBytes) {
          throw new BundleError('TOO_LARGE', `${label(header.name)} is larger than ${limits.maxFileBytes} bytes`);
        }
        declaredTotal += header.size;
        // The sum of files, not just each file, bounds the memory the returned map holds.
        if (declaredTotal > limits.maxTotalBytes) {
          throw new BundleError('TOO_LARGE', `bundle files total more than ${limits.maxTotalBytes} bytes`);
        }
      }
    });
    // Entries tar-stream found where GNU tar would have stopped reading must not count.
    checkArchiveEnd(tar, entries);

    const tree = new BundleTree();
    const files = new Map<string, Uint8Array>();
    for (const entry of entries) {
      const kind = entryKind(entry);
      const path = normalizeBundlePath(entry.name, kind);
      if (kind === 'directory') {
        tree.addDirectory(path);
        continue;
      }
      // Duplicates and file/directory clashes are judged on normalized paths (`./a` is `a`).
      tree.addFile(path);
      files.set(path, entry.body ?? new Uint8Array(0));
    }
    return files;
  } catch (err) {
    // Nothing but BundleError leaves: callers map codes to exit statuses and must never see a raw error.
    if (err instanceof BundleError) throw err;
    throw new BundleError('MALFORMED', 'bundle could not be unpacked', { cause: err });
  }
}

/**
 * The entry-type policy: which tar entries a bundle may hold at all. Throws for everything else.
 *
 * - `file` and `contiguous-file`: regular files. POSIX says to treat a contiguous file as a regular
 *   file, GNU tar does, and its data is laid out exactly like a file's, so it is accepted as one.
 * - `directory`: accepted (GNU tar emits them), never returned, and must declare size 0.
 * - links and device/fifo nodes: refused as UNSAFE_PATH.
 * - anything tar-stream cannot name (GNU sparse, volume labels, multi-volume parts, ...): MALFORMED.
 *
 * pax global headers (git archive writes one with the commit id) and GNU long-name headers never get
 * here: tar-stream consumes them itself and only their effect on the entry's name and size reaches
 * us, and those are what we check. So they are accepted, which keeps GNU tar and git archive output
 * readable.
 */
function entryKind(header: TarHeader): BundleEntryKind {
  switch (header.type) {
    case 'file':
    case 'contiguous-file':
      // GNU sparse files in pax form are typed as plain files, but their body is a sparse map, not the
      // file: tar and writ would disagree on the content, so refuse them.
      if (header.paxKeys.some((key) => key.startsWith('GNU.sparse.'))) {
        throw new BundleError('MALFORMED', `${label(header.name)} is a sparse file, which bundles may not contain`);
      }
      return 'file';
    case 'directory':
      // Readers disagree on whether a directory's size covers data; tar-stream parses it as headers.
      if (header.size !== 0) throw new BundleError('MALFORMED', `${label(header.name)} is a directory with a non-zero size`);
      return 'directory';
    case 'symlink':
    case 'link':
      // A link can point outside the unpack directory, or at a file written later through it.
      throw new BundleError('UNSAFE_PATH', `${label(header.name)}: links are not allowed`);
    case 'character-device':
    case 'block-device':
    case 'fifo':
      // Device nodes and fifos give access to hardware or block whoever opens them.
      throw new BundleError('UNSAFE_PATH', `${label(header.name)}: device and fifo entries are not allowed`);
    default:
      // Types we do not understand may carry data other readers interpret differently.
      throw new BundleError('MALFORMED', `${label(header.name)} has an unsupported entry type`);
  }
}
