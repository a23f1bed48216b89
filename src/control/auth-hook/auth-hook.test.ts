/**
 * The auth hook with real executables (sh scripts): exit 0 allows; a non-zero exit, a signal, a
 * timeout or a missing program denies, each with its own code; the hook gets the request as JSON.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { hasCode } from '../../core/errors.js';
import { askAuthHook, checkAuthHookOptions, type AuthContext } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'writ-auth-hook-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function hook(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

const context: AuthContext = { action: 'run', operator: 'alice', targets: ['web1', 'web2'], writ: { sha256: 'ab'.repeat(32), bytes: 1234 }, requestId: 'r-1', at: '2026-11-23T00:00:00.000Z' };
const ask = (path: string, timeoutMs = 5_000) => askAuthHook({ path, args: [], timeoutMs }, context);

test('exit 0 allows, and the hook reads the request context as JSON on stdin', async () => {
  const seen = join(dir, 'seen.json');
  assert.deepEqual(await ask(hook('allow.sh', `cat > ${seen}; exit 0`)), { allowed: true });
  assert.deepEqual(JSON.parse(readFileSync(seen, 'utf8')), context);
});

test('any other exit denies, with what the hook wrote to stderr as the reason', async () => {
  const decision = await ask(hook('deny.sh', 'echo "web2 is frozen" >&2; exit 3'));
  assert.deepEqual(decision, { allowed: false, code: 'AUTH_HOOK_DENIED', reason: 'web2 is frozen' });
});

test('a hook that crashes (killed by a signal) denies: fail closed', async () => {
  const decision = await ask(hook('crash.sh', 'kill -SEGV $$'));
  assert.equal(decision.allowed, false);
  assert.equal(decision.allowed ? null : decision.code, 'AUTH_HOOK_CRASHED');
});

test('a hook that does not answer in time denies, and it and its children are killed', async () => {
  const marker = join(dir, 'late');
  const started = Date.now();
  const decision = await ask(hook('slow.sh', `(sleep 1; touch ${marker}) & sleep 30; exit 0`), 200);
  assert.equal(decision.allowed ? null : decision.code, 'AUTH_HOOK_TIMEOUT');
  assert.ok(Date.now() - started < 2_000);
  await new Promise((r) => setTimeout(r, 1_300));
  assert.equal(existsSync(marker), false, 'a child of the hook outlived the timeout');
});

test('a hook that cannot be started denies', async () => {
  const decision = await ask(join(dir, 'missing.sh'));
  assert.equal(decision.allowed ? null : decision.code, 'AUTH_HOOK_FAILED');
  const notExecutable = join(dir, 'plain.txt');
  writeFileSync(notExecutable, 'exit 0\n');
  assert.equal(((await ask(notExecutable)) as { code?: string }).code, 'AUTH_HOOK_FAILED');
});

test('a hook that exits 0 without reading its input still allows; one that floods stderr is cut', async () => {
  assert.deepEqual(await ask(hook('quick.sh', 'exit 0')), { allowed: true });
  const flood = await ask(hook('flood.sh', 'head -c 1000000 /dev/zero | tr "\\0" x >&2; exit 1'));
  assert.ok(!flood.allowed && flood.reason.length <= 4096);
});

test('options are checked at the edge: a relative path or a silly timeout is CONFIG_INVALID', () => {
  assert.throws(() => checkAuthHookOptions({ path: 'hook.sh', args: [], timeoutMs: 1000 }), (e: unknown) => hasCode(e, 'CONFIG_INVALID'));
  assert.throws(() => checkAuthHookOptions({ path: '/bin/true', args: [], timeoutMs: 0 }), (e: unknown) => hasCode(e, 'CONFIG_INVALID'));
});
