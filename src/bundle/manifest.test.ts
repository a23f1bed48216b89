import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../core/errors.js';
import { manifestToJson, parseManifest, type Manifest } from './manifest.js';

const good: Manifest = {
  formatVersion: 1,
  id: '4a1c7d0e-0000-4000-8000-000000000000',
  nonce: 'AAAAAAAAAAAAAAAAAAAAAA',
  createdAt: new Date('2026-01-01T00:00:00Z'),
  notBefore: new Date('2026-01-01T00:00:00Z'),
  expiresAt: new Date('2026-01-01T01:00:00Z'),
  entry: 'script.js',
  language: 'javascript',
  audience: ['web1', 'tag:prod'],
  limits: { timeout: 5000, maxOutput: 100 },
};
const bytes = (obj: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(obj));
const withField = (field: string, value: unknown): Uint8Array => bytes({ ...manifestToJson(good), [field]: value });
const malformed = (b: Uint8Array, why: string): void => {
  assert.throws(() => parseManifest(b), (e: unknown) => hasCode(e, 'MALFORMED'), why);
};

test('round trip through JSON', () => {
  assert.deepEqual(parseManifest(bytes(manifestToJson(good))), good);
});

test('every field is checked; unknown fields and unknown limits are refused', () => {
  malformed(new TextEncoder().encode('{'), 'not JSON');
  malformed(new Uint8Array([0xff]), 'not UTF-8');
  malformed(bytes([1]), 'not an object');
  malformed(withField('formatVersion', 2), 'future version');
  malformed(withField('runAsRoot', true), 'unknown field');
  malformed(withField('__proto__', { x: 1 }), 'prototype key');
  malformed(withField('nonce', 'short'), 'nonce under 128 bits');
  malformed(withField('nonce', 'A'.repeat(21) + '+'), 'nonce not base64url');
  malformed(withField('expiresAt', '2026-01-01 01:00:00'), 'timestamp without T/Z');
  malformed(withField('expiresAt', '2026-01-01T01:00:00+02:00'), 'timestamp with offset');
  malformed(withField('expiresAt', '2025-12-31T00:00:00Z'), 'expires before notBefore');
  malformed(withField('language', 'python'), 'unknown language');
  malformed(withField('audience', 'web1'), 'audience not a list');
  malformed(withField('audience', ['web 1']), 'audience entry with a space');
  malformed(withField('limits', { timeout: 0 }), 'limit out of range');
  malformed(withField('limits', { timeout: 1.5 }), 'fractional limit');
  malformed(withField('limits', { cpu: 1 }), 'unknown limit');
  malformed(withField('entry', ''), 'empty entry');
});
