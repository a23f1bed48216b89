import type { X509Certificate } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { BundleError, decodeWrit, parseCertificate, pemCertificateBlocks, type SealedWrit } from '../../bundle/index.js';
import { WRIT_CONTAINER_OVERHEAD, maxWritBytesFor } from '../../core/writ-size.js';
import { CliUsageError } from '../output.js';

/** Where a sealed writ comes from: a `.writ` file, standard input (`-`), or openssl's detached pair. */
export type WritSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'stdin' }
  | { readonly kind: 'detached'; readonly bundle: string; readonly sig: string; readonly cert?: string };

const MAX_SIG_FILE = 4096;

/** Reads at most `max` bytes; a larger input is TOO_LARGE, refused before it is read in full. */
function readFileBounded(path: string, max: number, what: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new CliUsageError('FILE_NOT_FOUND', `${path}: cannot read ${what}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    const size = fstatSync(fd).size;
    if (size > max) throw new BundleError('TOO_LARGE', `${path}: ${what} is ${size} bytes; the limit is ${max}`);
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

async function readStdinBounded(max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    const buf = chunk as Buffer;
    total += buf.length;
    // Stop reading at the bound: a pipe can be endless.
    if (total > max) {
      process.stdin.destroy();
      throw new BundleError('TOO_LARGE', `standard input is over ${max} bytes`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function readChain(path: string): X509Certificate[] {
  const pem = readFileBounded(path, WRIT_CONTAINER_OVERHEAD, 'certificate chain').toString('utf8');
  const blocks = pemCertificateBlocks(pem);
  if (blocks.length === 0) throw new BundleError('MALFORMED', `${path}: no PEM certificate`);
  return blocks.map((b) => {
    try {
      return parseCertificate(b);
    } catch (err) {
      throw new BundleError('MALFORMED', `${path}: a certificate does not parse`, { cause: err });
    }
  });
}

/** Loads the writ's bytes, bounded by `maxBundleBytes`; nothing is interpreted beyond the container. */
export async function readWrit(source: WritSource, maxBundleBytes: number): Promise<SealedWrit> {
  const maxWrit = maxWritBytesFor(maxBundleBytes);
  if (source.kind === 'file') return decodeWrit(readFileBounded(source.path, maxWrit, 'writ'), maxWrit);
  if (source.kind === 'stdin') return decodeWrit(await readStdinBounded(maxWrit), maxWrit);
  const bundle = readFileBounded(source.bundle, maxBundleBytes, 'bundle');
  const signature = readFileBounded(source.sig, MAX_SIG_FILE, 'signature');
  return { bundle, signature, ...(source.cert ? { chain: readChain(source.cert) } : {}) };
}
