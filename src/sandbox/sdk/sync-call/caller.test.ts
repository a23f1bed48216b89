import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { monotonicMs } from '../../../core/clock.js';
import { hasCode } from '../../../core/errors.js';
import { LimitExceededError, SandboxError } from '../../errors.js';
import { startTestServer, type TestServer } from '../testing/http-server.js';
import { SyncCaller } from './caller.js';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

describe('SyncCaller', () => {
  let server: TestServer;
  let caller: SyncCaller;
  before(async () => {
    server = await startTestServer();
    caller = new SyncCaller();
  });
  after(async () => {
    caller.dispose();
    await server.close();
  });

  test('blocks until the worker answers (dns)', () => {
    const { addresses } = caller.call('dns.lookup', { hostname: 'localhost', timeoutMs: 5000 }, monotonicMs() + 10_000);
    assert.ok(addresses.some((a) => a === '127.0.0.1' || a === '::1'), String(addresses));
  });

  test('blocks until the worker answers (http)', () => {
    const res = caller.call('http.get', { url: `${server.base}/ok`, headers: {}, maxBytes: 1000, timeoutMs: 5000 }, monotonicMs() + 10_000);
    assert.equal(res.status, 200);
    assert.equal(res.body, 'hello \u2713');
  });

  test('worker failures come back as SdkError codes', () => {
    assert.throws(
      () => caller.call('http.get', { url: 'http://127.0.0.1:1/', headers: {}, maxBytes: 10, timeoutMs: 5000 }, monotonicMs() + 10_000),
      (err: unknown) => hasCode(err, 'NETWORK_ERROR'),
    );
  });

  test('the wait is bounded by the deadline; a late answer is discarded', async () => {
    const started = monotonicMs();
    assert.throws(
      () => caller.call('http.get', { url: `${server.base}/hang`, headers: {}, maxBytes: 10, timeoutMs: 60_000 }, monotonicMs() + 300),
      (err: unknown) => err instanceof LimitExceededError && err.code === 'TIMEOUT',
    );
    const waited = monotonicMs() - started;
    assert.ok(waited >= 290 && waited < 2000, `waited ${waited} ms`);
    await new Promise((r) => setTimeout(r, 50));
    const res = caller.call('http.get', { url: `${server.base}/ok`, headers: {}, maxBytes: 1000, timeoutMs: 5000 }, monotonicMs() + 10_000);
    assert.equal(res.status, 200);
  });

  test('a deadline already past fails without sending', () => {
    assert.throws(
      () => caller.call('dns.lookup', { hostname: 'localhost', timeoutMs: 1 }, monotonicMs() - 1),
      (err: unknown) => hasCode(err, 'TIMEOUT'),
    );
  });

  test('after dispose, calls are refused', () => {
    const c = new SyncCaller();
    c.call('dns.lookup', { hostname: 'localhost', timeoutMs: 5000 }, monotonicMs() + 10_000);
    c.dispose();
    c.dispose();
    assert.throws(
      () => c.call('dns.lookup', { hostname: 'localhost', timeoutMs: 5000 }, monotonicMs() + 10_000),
      (err: unknown) => err instanceof SandboxError && err.code === 'SDK_DISPOSED',
    );
  });
});

describe('SyncCaller worker lifecycle', () => {
  test('an undisposed worker does not keep the process alive', () => {
    const script = [
      `import { SyncCaller } from ${JSON.stringify(join(REPO, 'src/sandbox/sdk/sync-call/caller.ts'))};`,
      `import { monotonicMs } from ${JSON.stringify(join(REPO, 'src/core/clock.ts'))};`,
      'const c = new SyncCaller();',
      "const r = c.call('dns.lookup', { hostname: 'localhost', timeoutMs: 5000 }, monotonicMs() + 10000);",
      "console.log('ok', r.addresses.length > 0);",
    ].join('\n');
    const started = monotonicMs();
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: REPO,
      timeout: 20_000,
      encoding: 'utf8',
    });
    assert.equal(child.error, undefined);
    assert.equal(child.status, 0, child.stderr);
    assert.equal(child.stdout.trim(), 'ok true');
    assert.ok(monotonicMs() - started < 15_000);
  });

  test('works from compiled JavaScript (dist layout, no tsx)', () => {
    const out = mkdtempSync(join(tmpdir(), 'writ-sync-call-'));
    try {
      const tsc = spawnSync(
        process.execPath,
        [
          join(REPO, 'node_modules/typescript/bin/tsc'),
          '--outDir', out, '--rootDir', join(REPO, 'src'),
          '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022',
          '--strict', '--skipLibCheck', '--types', 'node',
          join(REPO, 'src/sandbox/sdk/sync-call/index.ts'),
          join(REPO, 'src/sandbox/sdk/sync-call/worker.ts'),
        ],
        { cwd: REPO, encoding: 'utf8', timeout: 60_000 },
      );
      assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
      writeFileSync(join(out, 'package.json'), '{"type":"module"}');
      const script = [
        `import { SyncCaller } from ${JSON.stringify(join(out, 'sandbox/sdk/sync-call/index.js'))};`,
        'const c = new SyncCaller();',
        "const r = c.call('dns.lookup', { hostname: 'localhost', timeoutMs: 5000 }, performance.now() + 10000);",
        "console.log('ok', r.addresses.length > 0);",
      ].join('\n');
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: out, encoding: 'utf8', timeout: 20_000 });
      assert.equal(child.status, 0, child.stderr);
      assert.equal(child.stdout.trim(), 'ok true');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
