/**
 * The S3 transport against a real S3-compatible server (s3rver, in this process, on a temporary
 * directory) and the small in-process ScriptedRunService (test/support): accepts bytes starting with
 * "ok", refuses the rest as SIGNATURE_INVALID, and plays a few lines of output before finishing.
 * Each test has a bucket of its own.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { hasCode } from '../../core/errors.js';
import { maxWritBytesFor } from '../../core/writ-size.js';
import { FIRST_LINE, PLAYED, ScriptedRunService } from '../../../test/support/scripted-run-service.js';
import { readS3rverObject } from '../../../test/support/s3rver-read.js';
import type { RunView } from '../port.js';
import { S3Transport, type S3TransportOptions } from './index.js';

const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const POLL_MS = 25;

let server: S3rver;
let directory: string;
let endpoint: string;
let client: S3Client;
let buckets = 0;

before(async () => {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  directory = await mkdtemp(join(tmpdir(), 'writ-s3-test-'));
  server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory });
  const { port } = await server.run();
  endpoint = `http://127.0.0.1:${port}`;
  client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: CREDENTIALS, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
});

after(async () => {
  client.destroy();
  await server.close();
  await rm(directory, { recursive: true, force: true });
});

async function newBucket(): Promise<string> {
  const bucket = `writ-test-${++buckets}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

function optionsFor(bucket: string, errors: unknown[], overrides: Partial<S3TransportOptions> = {}): S3TransportOptions {
  return {
    endpoint,
    region: 'us-east-1',
    bucket,
    forcePathStyle: true,
    credentials: CREDENTIALS,
    inboxPrefix: 'inbox/',
    outboxPrefix: 'outbox/',
    pollMs: POLL_MS,
    logFlushMs: 50,
    maxBytes: 1024 * 1024,
    onError: (err) => errors.push(err),
    ...overrides,
  };
}

interface Setup {
  readonly bucket: string;
  readonly service: ScriptedRunService;
  readonly transport: S3Transport;
  readonly errors: unknown[];
}

/** A bucket, a service and a transport over them; `prepare` fills the bucket before the transport starts. */
async function setup(t: TestContext, overrides: Partial<S3TransportOptions> = {}, prepare?: (bucket: string, service: ScriptedRunService) => Promise<void>): Promise<Setup> {
  const bucket = await newBucket();
  const service = new ScriptedRunService('s3');
  const errors: unknown[] = [];
  await prepare?.(bucket, service);
  const transport = new S3Transport(optionsFor(bucket, errors, overrides));
  await transport.start(service);
  t.after(() => transport.stop());
  return { bucket, service, transport, errors };
}

async function put(bucket: string, key: string, body: string | Buffer): Promise<void> {
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from(body) }));
}

async function read(bucket: string, key: string): Promise<string | undefined> {
  return (await readS3rverObject(client, bucket, key))?.toString();
}

async function keys(bucket: string, prefix: string): Promise<string[]> {
  const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (page.Contents ?? []).map((object) => object.Key!).sort();
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

interface Committed {
  readonly log: string;
  readonly json: { state?: string; id?: string; error?: { code: string } | null; run?: RunView | null };
  readonly exit: string;
  readonly size: string;
}

async function committed(bucket: string, name: string): Promise<Committed> {
  const size = await until(`outbox/${name}/size`, async () => complete(await read(bucket, `outbox/${name}/size`)));
  const json = JSON.parse((await read(bucket, `outbox/${name}/run.json`))!) as Committed['json'];
  return { log: (await read(bucket, `outbox/${name}/log`))!, json, exit: (await read(bucket, `outbox/${name}/exit`))!, size };
}

/** A line-sized object once it is whole (s3rver, unlike S3, may show an object half-written while it is PUT). */
function complete(line: string | undefined): string | undefined {
  return line?.endsWith('\n') ? line : undefined;
}

/** The run id once `run-id` holds it whole. */
async function runIdOf(bucket: string, name: string): Promise<string> {
  return until(`outbox/${name}/run-id`, async () => complete(await read(bucket, `outbox/${name}/run-id`))?.trim());
}

const codesOf = (errors: readonly unknown[], code: string): number => errors.filter((err) => hasCode(err, code)).length;

test('an accepted writ: log, run.json, exit, then size; the inbox object is gone and run-id names the run', async (t) => {
  const { bucket, transport, service } = await setup(t);
  assert.equal(transport.describe(), `s3://${bucket}/inbox/ at ${endpoint}`);
  await put(bucket, 'inbox/job.writ', 'okhello');
  const result = await committed(bucket, 'job');
  assert.equal(result.log, PLAYED);
  assert.equal(result.json.state, 'succeeded');
  assert.equal(result.exit, '0\n');
  assert.equal(result.size, `${Buffer.byteLength(PLAYED)}\n`);
  assert.equal((await read(bucket, 'outbox/job/run-id'))?.trim(), result.json.id);
  assert.deepEqual(await keys(bucket, 'inbox/'), []);
  assert.equal(service.submitted.length, 1);
});

test('commit order: whoever sees size finds the whole log, exit and run.json', async (t) => {
  const { bucket, service } = await setup(t);
  await put(bucket, 'inbox/ordered.writ', 'okhang');
  const runId = await runIdOf(bucket, 'ordered');
  let checks = 0;
  let observing = true;
  const observer = (async () => {
    while (observing) {
      const size = complete(await read(bucket, 'outbox/ordered/size'));
      if (size !== undefined) {
        const [log, exit, json] = await Promise.all([read(bucket, 'outbox/ordered/log'), read(bucket, 'outbox/ordered/exit'), read(bucket, 'outbox/ordered/run.json')]);
        assert.equal(Buffer.byteLength(log ?? ''), Number(size), 'log shorter than size');
        assert.notEqual(exit, undefined, 'size before exit');
        assert.notEqual(json, undefined, 'size before run.json');
        checks++;
      }
      await sleep(3);
    }
  })();
  for (let line = 0; line < 20; line++) {
    service.append(runId, `output line ${line} ${'x'.repeat(200)}\n`);
    await sleep(5);
  }
  service.finish(runId, 'succeeded', 0);
  await until('observed commits', () => (checks >= 5 ? true : undefined));
  observing = false;
  await observer;
  const result = await committed(bucket, 'ordered');
  assert.equal(Number(result.size), Buffer.byteLength(result.log));
  assert.ok(result.log.endsWith(`output line 19 ${'x'.repeat(200)}\n`));
});

test('a refused writ: run.json carries the error, exit 4, an empty log of size 0', async (t) => {
  const { bucket } = await setup(t);
  await put(bucket, 'inbox/forged.writ', 'forged bytes');
  const result = await committed(bucket, 'forged');
  assert.equal(result.json.error?.code, 'SIGNATURE_INVALID');
  assert.equal(result.json.run?.state, 'rejected');
  assert.equal(result.exit, '4\n');
  assert.equal(result.log, '');
  assert.equal(result.size, '0\n');
  assert.deepEqual(await keys(bucket, 'inbox/'), []);
});

test('QUEUE_FULL: nothing is written and the object stays until the agent has room', async (t) => {
  const { bucket, service } = await setup(t, {}, (_bucket, scripted) => {
    scripted.full = true;
    return Promise.resolve();
  });
  await put(bucket, 'inbox/later.writ', 'okhello');
  // Refused on two polls: it was left in the inbox and tried again.
  await until('a second attempt', () => (service.submitted.length >= 2 ? true : undefined));
  assert.deepEqual(await keys(bucket, 'outbox/'), []);
  assert.deepEqual(await keys(bucket, 'inbox/'), ['inbox/later.writ']);
  service.full = false;
  const result = await committed(bucket, 'later');
  assert.equal(result.exit, '0\n');
  assert.equal(result.log, PLAYED);
  assert.deepEqual(await keys(bucket, 'inbox/'), []);
});

test('live log: output appears in log while the run goes on, before any size', async (t) => {
  const { bucket, service } = await setup(t);
  await put(bucket, 'inbox/live.writ', 'okhang');
  const runId = await runIdOf(bucket, 'live');
  const started = Date.now();
  await until('the first line in log', async () => ((await read(bucket, 'outbox/live/log')) === FIRST_LINE ? true : undefined), 1_000);
  assert.ok(Date.now() - started < 1_000);
  service.append(runId, 'more\n');
  await until('the next line in log', async () => ((await read(bucket, 'outbox/live/log')) === `${FIRST_LINE}more\n` ? true : undefined), 1_000);
  assert.equal(await read(bucket, 'outbox/live/size'), undefined);
  service.finish(runId, 'succeeded', 0);
  const result = await committed(bucket, 'live');
  assert.equal(result.log, `${FIRST_LINE}more\n`);
  assert.equal(result.exit, '0\n');
});

test('an object listed larger than the largest writ is refused TOO_LARGE unread', async (t) => {
  const maxBytes = 1000;
  const { bucket, service } = await setup(t, { maxBytes });
  await put(bucket, 'inbox/huge.writ', Buffer.alloc(maxWritBytesFor(maxBytes) + 1, 'o'));
  const result = await committed(bucket, 'huge');
  assert.equal(result.json.error?.code, 'TOO_LARGE');
  assert.equal(result.exit, '4\n');
  assert.equal(result.size, '0\n');
  assert.deepEqual(service.submitted, []);
  assert.deepEqual(await keys(bucket, 'inbox/'), []);
});

test('restart: a run-id without size is finished from the run store; an unknown run is reported and left', async (t) => {
  const { bucket, service, errors } = await setup(t, {}, async (bucket, scripted) => {
    // What a crash leaves: the run was claimed and cut short (interrupted in the store, no exit code).
    scripted.seed('run-crashed', 'partial output\n', 'interrupted', null);
    await put(bucket, 'outbox/crashed/run-id', 'run-crashed\n');
    await put(bucket, 'outbox/stranger/run-id', 'run-of-another-agent\n');
    await put(bucket, 'inbox/stranger.writ', 'okhello');
  });
  const result = await committed(bucket, 'crashed');
  assert.equal(result.exit, '-\n');
  assert.equal(result.log, 'partial output\n');
  assert.equal(result.json.state, 'interrupted');
  await until('RUN_NOT_FOUND', () => (codesOf(errors, 'RUN_NOT_FOUND') > 0 ? true : undefined));
  await sleep(POLL_MS * 4);
  assert.deepEqual(await keys(bucket, 'outbox/stranger/'), ['outbox/stranger/run-id']);
  // Claimed by a run that is not committed: never submitted, never deleted.
  assert.deepEqual(await keys(bucket, 'inbox/'), ['inbox/stranger.writ']);
  assert.deepEqual(service.submitted, []);
  assert.equal(codesOf(errors, 'RUN_NOT_FOUND'), 1);
});

test('an inbox object whose result is already committed is deleted, not submitted', async (t) => {
  const { bucket, service } = await setup(t, {}, async (bucket) => {
    await put(bucket, 'outbox/done/log', 'old\n');
    await put(bucket, 'outbox/done/run.json', '{}\n');
    await put(bucket, 'outbox/done/exit', '0\n');
    await put(bucket, 'outbox/done/size', '4\n');
    await put(bucket, 'inbox/done.writ', 'okhello');
  });
  await until('the inbox object deleted', async () => ((await keys(bucket, 'inbox/')).length === 0 ? true : undefined));
  assert.deepEqual(service.submitted, []);
  assert.equal(await read(bucket, 'outbox/done/log'), 'old\n');
});

test('nested keys, other suffixes and bad names are not submitted; bad names are reported once', async (t) => {
  const { bucket, service, errors } = await setup(t, {}, async (bucket) => {
    await put(bucket, 'inbox/sub/nested.writ', 'okhello');
    await put(bucket, 'inbox/notes.txt', 'okhello');
    await put(bucket, 'inbox/.writ', 'okhello');
    await put(bucket, 'inbox/bad name.writ', 'okhello');
    await put(bucket, 'inbox/.hidden.writ', 'okhello');
  });
  await put(bucket, 'inbox/good.writ', 'okhello');
  await committed(bucket, 'good');
  await sleep(POLL_MS * 4);
  assert.equal(service.submitted.length, 1);
  assert.equal(codesOf(errors, 'NAME_INVALID'), 3);
  assert.deepEqual(await keys(bucket, 'outbox/'), ['outbox/good/exit', 'outbox/good/log', 'outbox/good/run-id', 'outbox/good/run.json', 'outbox/good/size']);
  assert.deepEqual(await keys(bucket, 'inbox/'), ['inbox/.hidden.writ', 'inbox/.writ', 'inbox/bad name.writ', 'inbox/notes.txt', 'inbox/sub/nested.writ']);
});

test('drained(): after stop(), a run still going is followed and drained resolves once its size is written', async (t) => {
  const { bucket, service, transport } = await setup(t);
  await put(bucket, 'inbox/slow.writ', 'okhang');
  const runId = await runIdOf(bucket, 'slow');
  await transport.stop();
  let drained = false;
  const draining = transport.drained().then(() => {
    drained = true;
  });
  await put(bucket, 'inbox/after-stop.writ', 'okhello');
  await sleep(POLL_MS * 4);
  assert.equal(drained, false);
  assert.equal(service.submitted.length, 1);
  service.append(runId, 'last words\n');
  service.finish(runId, 'succeeded', 0);
  await draining;
  assert.equal(await read(bucket, 'outbox/slow/size'), `${Buffer.byteLength(`${FIRST_LINE}last words\n`)}\n`);
  assert.deepEqual(await keys(bucket, 'inbox/'), ['inbox/after-stop.writ']);
});
