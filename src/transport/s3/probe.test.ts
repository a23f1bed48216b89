/** `writ agent self-check`'s S3 line against a real S3-compatible server (s3rver, in this process). */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import S3rver from 's3rver';
import { hasCode } from '../../core/errors.js';
import { probeS3, type S3TransportOptions } from './index.js';

const BUCKET = 'writ-probe';
let server: S3rver;
let directory: string;
let endpoint: string;

before(async () => {
  directory = await mkdtemp(join(tmpdir(), 'writ-s3-probe-'));
  server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: BUCKET }] });
  endpoint = `http://127.0.0.1:${(await server.run()).port}`;
});

after(async () => {
  await server.close();
  await rm(directory, { recursive: true, force: true });
});

function optionsFor(overrides: Partial<S3TransportOptions>): S3TransportOptions {
  return {
    endpoint,
    region: 'us-east-1',
    bucket: BUCKET,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    inboxPrefix: 'inbox/',
    outboxPrefix: 'outbox/',
    pollMs: 1000,
    logFlushMs: 1000,
    maxBytes: 1024 * 1024,
    ...overrides,
  };
}

/** A port nothing listens on: taken from the system, then released. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const listener = createServer().listen(0, '127.0.0.1', () => {
      const { port } = listener.address() as { port: number };
      listener.close(() => resolve(port));
    });
  });
}

test('probeS3 reaches the bucket and says where', async () => {
  assert.equal(await probeS3(optionsFor({})), `s3://${BUCKET}/inbox/ reachable (endpoint ${endpoint})`);
});

test('probeS3 is TRANSPORT_UNAVAILABLE against a closed port, at once', async () => {
  const started = Date.now();
  await assert.rejects(probeS3(optionsFor({ endpoint: `http://127.0.0.1:${await closedPort()}` })), (err) => hasCode(err, 'TRANSPORT_UNAVAILABLE'));
  // One attempt, no retry backoff: a self-check must not hang on an unreachable store.
  assert.ok(Date.now() - started < 2_000);
});

test('probeS3 is TRANSPORT_UNAVAILABLE for a bucket that does not exist', async () => {
  await assert.rejects(probeS3(optionsFor({ bucket: 'no-such-bucket' })), (err) => hasCode(err, 'TRANSPORT_UNAVAILABLE'));
});
