import { closeSync, fsyncSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeNewFileDurably } from '../../core/exclusive-file.js';
import { PkiError } from './errors.js';

/** The files of a control host's CA directory. Private keys are 0600; the rest is public. */
export interface CaPaths {
  readonly dir: string;
  /** CA private key (PKCS#8 PEM, 0600). */
  readonly caKey: string;
  /** Self-signed CA certificate: what agents trust. */
  readonly caCert: string;
  /** Append-only ledger of every serial the CA issued. */
  readonly serials: string;
  /** The control host's own TLS key (0600) and certificate (server and client). */
  readonly controlKey: string;
  readonly controlCert: string;
}

export function caPaths(dir: string): CaPaths {
  return {
    dir,
    caKey: join(dir, 'ca.key'),
    caCert: join(dir, 'ca.pem'),
    serials: join(dir, 'serials'),
    controlKey: join(dir, 'control.key'),
    controlCert: join(dir, 'control.pem'),
  };
}

/**
 * Creates `path` with `text`, failing with CA_EXISTS if anything is there. O_EXCL makes the check
 * and the creation one step, so two `control init` runs cannot both believe they made the CA, and the
 * mode is set at creation, so a private key is never readable by others even for a moment.
 */
export function writeNewFile(path: string, text: string, mode: number): void {
  try {
    writeNewFileDurably(path, text, mode);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    if (code === 'EEXIST') throw new PkiError('CA_EXISTS', `${path} exists; refusing to overwrite any part of a CA`, { cause: err });
    throw new PkiError('CA_INVALID', `${path}: cannot create or write: ${code}`, { cause: err });
  }
}

/** Makes the directory's new entries durable (the files themselves were synced as written). */
export function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Reads one CA file; a missing one is CA_NOT_FOUND, any other failure CA_INVALID. */
export function readCaFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    if (code === 'ENOENT') throw new PkiError('CA_NOT_FOUND', `${path} not found; create the CA with writ control init`, { cause: err });
    throw new PkiError('CA_INVALID', `${path}: cannot read: ${code}`, { cause: err });
  }
}
