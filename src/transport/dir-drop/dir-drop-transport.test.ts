/**
 * The directory-drop transport against real directories and the small in-process ScriptedRunService
 * (test/support): accepts bytes starting with "ok", refuses the rest as SIGNATURE_INVALID, and plays
 * a few lines of output before finishing.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { hasCode } from '../../core/errors.js';
import type { RunService, RunView } from '../port.js';
import { FIRST_LINE, PLAYED, ScriptedRunService as TestService } from '../../../test/support/scripted-run-service.js';
import { DirDropTransport, type DirDropOptions } from './index.js';

interface Dirs {
  readonly root: string;
  readonly inbox: string;
  readonly outbox: string;
}

function dirs(t: TestContext): Dirs {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'writ-dir-drop-')));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  return { root, inbox: join(root, 'inbox'), outbox: join(root, 'outbox') };
}

async function started(t: TestContext, service: RunService, d: Dirs, options: Partial<DirDropOptions> = {}): Promise<{ transport: DirDropTransport; errors: unknown[] }> {
  const errors: unknown[] = [];
  const transport = new DirDropTransport({ inbox: d.inbox, outbox: d.outbox, pollMs: 20, maxBytes: 1024 * 1024, onError: (err) => errors.push(err), ...options });
  await transport.start(service);
  t.after(() => transport.stop());
  return { transport, errors };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** Drops a file as rsync does: written under a hidden name, then renamed into place. */
function drop(inbox: string, name: string, bytes: string | Buffer): void {
  writeFileSync(join(inbox, `.${name}.tmp`), bytes);
  renameSync(join(inbox, `.${name}.tmp`), join(inbox, name));
}

const read = (d: Dirs, name: string): string => readFileSync(join(d.outbox, name), 'utf8');
const readIfThere = (d: Dirs, name: string): string | null => {
  try {
    return read(d, name);
  } catch {
    return null;
  }
};
const waitExit = (d: Dirs, id: string): Promise<void> => waitFor(`${id}.exit`, () => existsSync(join(d.outbox, `${id}.exit`)));
/** The claimed file is deleted just after its result is written (a crash in between leaves it, never loses the result). */
const waitClaimsGone = (d: Dirs): Promise<void> => waitFor('.processing to empty', () => readdirSync(join(d.inbox, '.processing')).length === 0);

/**
 * Lists the outbox as fast as the event loop allows while results are written, and records any
 * moment where an `.exit` was visible without its `.json` and `.log` (or with the log unfinished).
 */
function watchCommitOrder(outbox: string): { stop(): string[] } {
  const violations: string[] = [];
  let running = true;
  const look = (): void => {
    if (!running) return;
    const names = new Set(readdirSync(outbox));
    for (const name of names) {
      if (!name.endsWith('.exit')) continue;
      const id = name.slice(0, -'.exit'.length);
      if (!names.has(`${id}.json`) || !names.has(`${id}.log`) || names.has(`${id}.log.partial`)) violations.push([...names].sort().join(','));
    }
    setImmediate(look);
  };
  look();
  return {
    stop() {
      running = false;
      return violations;
    },
  };
}

test('dir-drop: an accepted writ gets its whole log, its run view, then exit 0, in that order', async (t) => {
  const d = dirs(t);
  const service = new TestService('dir-drop');
  const { errors } = await started(t, service, d);
  const order = watchCommitOrder(d.outbox);
  drop(d.inbox, 'job.writ', 'ok');
  await waitExit(d, 'job');
  assert.deepEqual(order.stop(), []);
  assert.equal(read(d, 'job.exit'), '0\n');
  assert.equal(read(d, 'job.log'), PLAYED);
  const view = JSON.parse(read(d, 'job.json')) as RunView;
  assert.deepEqual([view.id, view.state, view.exitCode, view.done], ['run-1', 'succeeded', 0, true]);
  assert.deepEqual(service.submitted.map(String), ['ok']);
  // Nothing left behind: the claim is deleted, no temp, partial or pending file remains.
  assert.deepEqual(readdirSync(d.inbox), ['.processing']);
  await waitClaimsGone(d);
  await waitFor('the pending marker to go', () => readdirSync(d.outbox).length === 3);
  assert.deepEqual(readdirSync(d.outbox).sort(), ['job.exit', 'job.json', 'job.log']);
  for (const dir of [d.inbox, d.outbox]) assert.equal(statSync(dir).mode & 0o777, 0o700);
  for (const name of ['job.exit', 'job.json', 'job.log']) assert.equal(statSync(join(d.outbox, name)).mode & 0o777, 0o600);
  assert.deepEqual(errors, []);
});

test('dir-drop: a refused writ gets { run, error }, an empty log, then exit 4, written last', async (t) => {
  const d = dirs(t);
  const service = new TestService('dir-drop');
  await started(t, service, d);
  const order = watchCommitOrder(d.outbox);
  drop(d.inbox, 'bad.writ', 'tampered');
  await waitExit(d, 'bad');
  assert.deepEqual(order.stop(), []);
  assert.equal(read(d, 'bad.exit'), '4\n');
  assert.equal(read(d, 'bad.log'), '');
  const body = JSON.parse(read(d, 'bad.json')) as { run: RunView; error: { code: string } };
  assert.equal(body.error.code, 'SIGNATURE_INVALID');
  assert.deepEqual([body.run.id, body.run.state], ['run-1', 'rejected']);
  await waitClaimsGone(d);
});

test('dir-drop: a file written in place in pieces is read once, whole, after it stops changing', async (t) => {
  const d = dirs(t);
  const service = new TestService('dir-drop');
  const pollMs = 100;
  await started(t, service, d, { pollMs });
  const pieces = ['ok', ' -- piece one', ' -- piece two', ' -- piece three'];
  const fd = openSync(join(d.inbox, 'slow.writ'), 'w');
  try {
    for (const piece of pieces) {
      writeSync(fd, piece);
      // Less than one poll interval between pieces: scans see it grow, never twice the same.
      await sleep(pollMs * 0.6);
    }
  } finally {
    closeSync(fd);
  }
  await waitExit(d, 'slow');
  await sleep(pollMs * 3);
  assert.deepEqual(service.submitted.map(String), [pieces.join('')]);
  assert.equal(read(d, 'slow.exit'), '0\n');
});

test('dir-drop: hidden files, symbolic links, directories, FIFOs and other names are left alone', async (t) => {
  const d = dirs(t);
  const service = new TestService('dir-drop');
  const { errors } = await started(t, service, d);
  const target = join(d.root, 'elsewhere.writ');
  writeFileSync(target, 'ok from outside the inbox');
  symlinkSync(target, join(d.inbox, 'link.writ'));
  writeFileSync(join(d.inbox, '.hidden.writ'), 'ok hidden');
  writeFileSync(join(d.inbox, 'notes.txt'), 'ok not a writ');
  mkdirSync(join(d.inbox, 'folder.writ'));
  execFileSync('mkfifo', [join(d.inbox, 'pipe.writ')]);
  drop(d.inbox, 'real.writ', 'ok');
  await waitExit(d, 'real');
  await sleep(100);
  assert.deepEqual(service.submitted.map(String), ['ok']);
  assert.deepEqual(readdirSync(d.inbox).sort(), ['.hidden.writ', '.processing', 'folder.writ', 'link.writ', 'notes.txt', 'pipe.writ']);
  assert.equal(readFileSync(target, 'utf8'), 'ok from outside the inbox');
  assert.deepEqual(readdirSync(d.outbox).filter((n) => !n.startsWith('real.')), []);
  assert.deepEqual(errors, []);
});

test('dir-drop: QUEUE_FULL is not final: the file returns to the inbox and runs once there is room', async (t) => {
  const d = dirs(t);
  const service = new TestService('dir-drop');
  service.full = true;
  await started(t, service, d);
  drop(d.inbox, 'later.writ', 'ok');
  await waitFor('two refused attempts', () => service.submitted.length >= 2);
  await waitFor('the file back in the inbox', () => existsSync(join(d.inbox, 'later.writ')));
  assert.deepEqual(readdirSync(d.outbox), [], 'a capacity refusal writes no result');
  service.full = false;
  await waitExit(d, 'later');
  assert.equal(read(d, 'later.exit'), '0\n');
  assert.equal(read(d, 'later.log'), PLAYED);
});

test('dir-drop: a file beyond maxBytes + 256 KiB is refused as TOO_LARGE without being read', async (t) => {
  const d = dirs(t);
  const service = new TestService('dir-drop');
  await started(t, service, d, { maxBytes: 1024 });
  // 64 GiB, sparse: reading it whole would not finish in this test's time (or fit in memory).
  const fd = openSync(join(d.inbox, 'huge.writ'), 'w');
  ftruncateSync(fd, 64 * 1024 ** 3);
  closeSync(fd);
  // Exactly at the limit is still read and submitted (and refused by the service, not by size).
  drop(d.inbox, 'edge.writ', Buffer.alloc(1024 + 256 * 1024, 'x'));
  await waitExit(d, 'huge');
  await waitExit(d, 'edge');
  const huge = JSON.parse(read(d, 'huge.json')) as { run: null; error: { code: string } };
  assert.deepEqual([huge.run, huge.error.code], [null, 'TOO_LARGE']);
  assert.equal(read(d, 'huge.exit'), '4\n');
  assert.equal(read(d, 'huge.log'), '');
  assert.equal((JSON.parse(read(d, 'edge.json')) as { error: { code: string } }).error.code, 'SIGNATURE_INVALID');
  assert.deepEqual(service.submitted.map((b) => b.length), [1024 + 256 * 1024]);
  await waitClaimsGone(d);
});

test('dir-drop: refuses to start when inbox and outbox are one directory, or either is a symbolic link', async (t) => {
  const d = dirs(t);
  const service = new TestService('dir-drop');
  const refused = async (inbox: string, outbox: string): Promise<void> => {
    await assert.rejects(new DirDropTransport({ inbox, outbox, maxBytes: 1024 }).start(service), (err) => hasCode(err, 'CONFIG_INVALID'));
  };
  await refused(d.inbox, d.inbox);
  await refused(d.inbox, `${d.inbox}/.`);
  // One directory under two names (a linked parent) is still one directory.
  mkdirSync(join(d.root, 'real'));
  symlinkSync(join(d.root, 'real'), join(d.root, 'alias'));
  await refused(join(d.root, 'real', 'box'), join(d.root, 'alias', 'box'));
  await refused(join(d.root, 'alias'), d.outbox);
  await refused(d.inbox, join(d.root, 'alias'));
  assert.equal(statSync(join(d.root, 'real', 'box')).mode & 0o777, 0o700, 'created 0700');
});

test('dir-drop: a run still going when stop() is called still gets its result; new drops wait', async (t) => {
  const d = dirs(t);
  const service = new TestService('dir-drop');
  const { transport } = await started(t, service, d);
  drop(d.inbox, 'long.writ', 'ok hang');
  await waitFor('the partial log', () => existsSync(join(d.outbox, 'long.log.partial')));
  await transport.stop();
  drop(d.inbox, 'after.writ', 'ok');
  service.append('run-1', 'after stop\n');
  service.finish('run-1', 'succeeded', 0);
  // What an agent awaits after its runs are final, before it exits.
  await transport.drained();
  assert.equal(read(d, 'long.exit'), '0\n');
  assert.equal(read(d, 'long.log'), `${FIRST_LINE}after stop\n`);
  await sleep(100);
  assert.equal(service.submitted.length, 1);
  assert.ok(existsSync(join(d.inbox, 'after.writ')));
});

test('dir-drop: a final run without an exit code (cancelled) gets "-" in its .exit', async (t) => {
  const d = dirs(t);
  await started(t, new TestService('dir-drop'), d);
  drop(d.inbox, 'stopped.writ', 'ok cancel');
  await waitExit(d, 'stopped');
  assert.equal(read(d, 'stopped.exit'), '-\n');
  assert.equal((JSON.parse(read(d, 'stopped.json')) as RunView).state, 'cancelled');
});

test('dir-drop: after a crash, a restarted transport completes the result of the run it was following', async (t) => {
  const d = dirs(t);
  const before = new TestService('dir-drop');
  const first = await started(t, before, d);
  drop(d.inbox, 'crash.writ', 'ok hang');
  await waitFor('the partial log', () => existsSync(join(d.outbox, 'crash.log.partial')));
  // The first transport "dies" (its run never finishes); the restarted agent finds the run interrupted.
  await first.transport.stop();
  // Another agent sharing the outbox follows a run this one does not know: its marker is left alone.
  writeFileSync(join(d.outbox, '.theirs.pending'), '{"run":"run-elsewhere"}\n');
  const after = new TestService('dir-drop');
  after.seed('run-1', `${FIRST_LINE}kept in the store\n`, 'interrupted', null, { code: 'INTERRUPTED', message: 'agent stopped' });
  const second = await started(t, after, d);
  assert.ok(second.errors.some((err) => hasCode(err, 'RUN_NOT_FOUND')));
  await waitExit(d, 'crash');
  assert.equal(read(d, 'crash.exit'), '-\n');
  assert.equal(read(d, 'crash.log'), `${FIRST_LINE}kept in the store\n`);
  assert.equal((JSON.parse(read(d, 'crash.json')) as RunView).state, 'interrupted');
  await waitFor('the pending marker to go', () => !readdirSync(d.outbox).includes('.crash.pending'));
  assert.ok(existsSync(join(d.outbox, '.theirs.pending')));
  assert.ok(!existsSync(join(d.outbox, 'theirs.exit')));
});

test('dir-drop: result names: a name in use by a live result, or with other characters, falls back to the run id', async (t) => {
  const d = dirs(t);
  const service = new TestService('dir-drop');
  await started(t, service, d);
  drop(d.inbox, 'job.writ', 'ok hang');
  await waitFor('the partial log', () => existsSync(join(d.outbox, 'job.log.partial')));
  drop(d.inbox, 'job.writ', 'not ok');
  await waitExit(d, 'run-2');
  assert.equal(read(d, 'run-2.exit'), '4\n');
  drop(d.inbox, 'my job (1).writ', 'ok');
  await waitExit(d, 'run-3');
  assert.equal((JSON.parse(read(d, 'run-3.json')) as RunView).id, 'run-3');
  service.finish('run-1', 'succeeded', 0);
  await waitExit(d, 'job');
  // A later drop of the same name replaces the finished result.
  drop(d.inbox, 'job.writ', 'still not ok');
  await waitFor('the new job result', () => readIfThere(d, 'job.exit') === '4\n');
  assert.equal((JSON.parse(read(d, 'job.json')) as { run: RunView }).run.id, 'run-4');
});
