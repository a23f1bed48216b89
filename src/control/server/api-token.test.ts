import assert from 'node:assert/strict';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { hasCode } from '../../core/errors.js';
import { tempDir } from '../../../test/support/temp.js';
import { loadOrCreateApiToken, readApiToken, tokenMatches } from './api-token.js';

test('the token is created once, 0600, 32 random bytes in base64url, and kept on the next start', () => {
  using dir = tempDir();
  const path = join(dir.path, 'api.token');
  const token = loadOrCreateApiToken(path);
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(Buffer.from(token, 'base64url').length, 32);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(loadOrCreateApiToken(path), token);
  assert.equal(readApiToken(path), token);
  assert.notEqual(loadOrCreateApiToken(join(dir.path, 'other.token')), token);
});

test('a token file others can read, or one without a token, is refused', () => {
  using dir = tempDir();
  const path = join(dir.path, 'api.token');
  loadOrCreateApiToken(path);
  chmodSync(path, 0o644);
  assert.throws(() => loadOrCreateApiToken(path), (err) => hasCode(err, 'API_TOKEN_INVALID'));
  const empty = join(dir.path, 'empty.token');
  writeFileSync(empty, '\n', { mode: 0o600 });
  assert.throws(() => readApiToken(empty), (err) => hasCode(err, 'API_TOKEN_INVALID'));
  assert.throws(() => readApiToken(join(dir.path, 'missing.token')), (err) => hasCode(err, 'API_TOKEN_INVALID'));
  assert.equal(readFileSync(empty, 'utf8'), '\n', 'an unusable file is left for the operator, not replaced');
});

test('tokenMatches: only the exact token, whatever the length of the guess', () => {
  const token = 'A'.repeat(43);
  assert.equal(tokenMatches(token, token), true);
  for (const guess of ['', 'A', 'A'.repeat(42), 'A'.repeat(44), `${'A'.repeat(42)}B`]) assert.equal(tokenMatches(guess, token), false, guess);
});
