import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeNewFileDurably } from './exclusive-file.js';

/**
 * A TLS certificate and its key live in two files, and a renewal must replace both. A crash between
 * the two replacements would leave a certificate that does not match its key, and a daemon that
 * cannot start. So both new files are written in full beside the old ones (`.next`) and fsynced
 * before either is renamed into place; `recoverCertificateSwap` finishes or discards a swap a crash
 * interrupted, before the files are read.
 */
export interface CertKeyPaths {
  readonly cert: string;
  readonly key: string;
}

const next = (path: string): string => `${path}.next`;

function writeDurably(path: string, text: string, mode: number): void {
  // A leftover from a swap that recovery discarded or never saw: never reused, always replaced.
  rmSync(path, { force: true });
  writeNewFileDurably(path, text, mode);
}

function fsyncDir(path: string): void {
  const fd = openSync(dirname(path), 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** True when the PEM certificate carries the public half of the PEM private key. */
export function certificateMatchesKey(certPem: string, keyPem: string): boolean {
  try {
    const certKey = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
    const ownKey = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
    return certKey.equals(ownKey);
  } catch {
    return false;
  }
}

/** Replaces the certificate and key so that, crash or not, the pair on disk always matches. */
export function installCertificateAndKey(paths: CertKeyPaths, certPem: string, keyPem: string): void {
  writeDurably(next(paths.key), keyPem, 0o600);
  writeDurably(next(paths.cert), certPem, 0o644);
  fsyncDir(paths.key);
  // The commit: from here on recovery completes the swap instead of discarding it.
  renameSync(next(paths.key), paths.key);
  renameSync(next(paths.cert), paths.cert);
  fsyncDir(paths.key);
  if (dirname(paths.cert) !== dirname(paths.key)) fsyncDir(paths.cert);
}

/**
 * Finishes a swap that a crash interrupted, or discards one that never reached its commit. Returns
 * what it did, for the log. Both `.next` files are complete once either rename happened, because
 * both were fsynced before the first rename.
 */
export function recoverCertificateSwap(paths: CertKeyPaths): 'none' | 'completed' | 'discarded' {
  const nextKey = existsSync(next(paths.key));
  const nextCert = existsSync(next(paths.cert));
  if (!nextKey && !nextCert) return 'none';
  if (nextCert) {
    const certPem = readFileSync(next(paths.cert), 'utf8');
    const keyPem = readFileSync(nextKey ? next(paths.key) : paths.key, 'utf8');
    // Only a matching pair is installed: anything else was cut off before the commit.
    if (certificateMatchesKey(certPem, keyPem)) {
      if (nextKey) renameSync(next(paths.key), paths.key);
      renameSync(next(paths.cert), paths.cert);
      fsyncDir(paths.key);
      return 'completed';
    }
  }
  rmSync(next(paths.key), { force: true });
  rmSync(next(paths.cert), { force: true });
  return 'discarded';
}
