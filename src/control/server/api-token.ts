import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { WritError } from '../../core/errors.js';

/** The token's file name in the CA directory. */
export const API_TOKEN_FILE = 'api.token';
/** 32 random bytes: far beyond guessing, and short enough to paste into a header. */
const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * The operator API's bearer token: read from `path`, or created there (0600, O_EXCL) when missing.
 * Fails closed on a token file others can read or write, or one that does not hold a token.
 */
export function loadOrCreateApiToken(path: string): string {
  try {
    const fd = openSync(path, 'wx', 0o600);
    try {
      writeSync(fd, `${randomBytes(TOKEN_BYTES).toString('base64url')}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    // O_EXCL: an existing token is kept (two servers starting at once agree on one), never replaced.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new WritError('API_TOKEN_INVALID', `${path}: cannot create the API token: ${(err as Error).message}`, { cause: err });
  }
  return readApiToken(path);
}

/** Reads an existing token file (the CLI's side), with the same checks as the server. */
export function readApiToken(path: string): string {
  let mode: number;
  let text: string;
  try {
    mode = statSync(path).mode & 0o777;
    text = readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new WritError('API_TOKEN_INVALID', `${path}: cannot read the API token: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
  // Whoever can read the token is an operator; a token others may read is already given away.
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new WritError('API_TOKEN_INVALID', `${path} has mode ${mode.toString(8).padStart(4, '0')}; the API token must be private to its owner (chmod 600)`);
  }
  // An empty or truncated file must not become a token that is easy to match.
  if (!TOKEN_PATTERN.test(text)) throw new WritError('API_TOKEN_INVALID', `${path} does not hold an API token (43 base64url characters)`);
  return text;
}

/**
 * Compares a presented token with the real one in constant time. `===` stops at the first differing
 * character, so response times would reveal how much of a guess is right; hashing both first gives
 * timingSafeEqual equal lengths, so not even the token's length leaks.
 */
export function tokenMatches(presented: string, token: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(presented), digest(token));
}
