import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../../core/errors.js';
import { S3Transport, type S3TransportOptions } from './index.js';

const valid: S3TransportOptions = {
  region: 'us-east-1',
  bucket: 'some-bucket',
  forcePathStyle: true,
  inboxPrefix: 'inbox/',
  outboxPrefix: 'outbox/',
  pollMs: 1000,
  logFlushMs: 1000,
  maxBytes: 1024 * 1024,
};

test('valid options construct a transport that names its bucket and prefix', () => {
  assert.equal(new S3Transport(valid).describe(), 's3://some-bucket/inbox/');
});

test('unusable options are CONFIG_INVALID', () => {
  const cases: Partial<S3TransportOptions>[] = [
    { outboxPrefix: 'inbox/' },
    { outboxPrefix: 'inbox/results/' },
    { inboxPrefix: 'outbox/drop/' },
    { inboxPrefix: '' },
    { inboxPrefix: 'inbox' },
    { outboxPrefix: '/outbox/' },
    { pollMs: 0 },
    { pollMs: -5 },
    { logFlushMs: Number.NaN },
    { maxBytes: 0 },
    { bucket: '' },
    { endpoint: 'not a url' },
  ];
  for (const change of cases) {
    assert.throws(() => new S3Transport({ ...valid, ...change }), (err) => hasCode(err, 'CONFIG_INVALID'), JSON.stringify(change));
  }
});
