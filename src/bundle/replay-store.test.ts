import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, test } from 'node:test';
import { DirectoryReplayStore } from './replay-store.js';

const root = mkdtempSync(join(tmpdir(), 'writ-replay-'));
after(() => {
  rmSync(root, { recursive: true, force: true });
});
const now = new Date('2026-06-01T00:00:00Z');
const later = (ms: number): Date => new Date(now.getTime() + ms);

test('a key is claimed once; seen() reports without claiming; the store is private (0700)', () => {
  const store = new DirectoryReplayStore(join(root, 'a'));
  assert.equal(store.seen('k1', now), false);
  assert.equal(store.seen('k1', now), false);
  assert.equal(store.claim('k1', later(60_000), now), true);
  assert.equal(store.claim('k1', later(60_000), now), false);
  assert.equal(store.seen('k1', now), true);
  assert.equal(store.claim('k2', null, now), true);
  assert.equal(statSync(store.dir).mode & 0o777, 0o700);
});

test('entries survive a new store object (a restart), and expire only after their time', () => {
  const dir = join(root, 'b');
  new DirectoryReplayStore(dir).claim('k', later(1000), now);
  const reopened = new DirectoryReplayStore(dir);
  assert.equal(reopened.claim('k', later(1000), now), false);
  assert.equal(reopened.claim('k', later(1000), later(999)), false);
  assert.equal(reopened.prune(later(999)), 0);
  assert.equal(reopened.prune(later(1001)), 1);
  assert.equal(reopened.claim('k', later(5000), later(1001)), true);
  const forever = new DirectoryReplayStore(join(root, 'c'));
  forever.claim('digest', null, now);
  assert.equal(forever.prune(later(10 ** 12)), 0);
  assert.equal(forever.seen('digest', later(10 ** 12)), true);
});

test('a damaged entry counts as seen (fail closed), and no temp files are left behind', () => {
  const store = new DirectoryReplayStore(join(root, 'd'));
  store.claim('k', later(1000), now);
  const shard = readdirSync(store.dir)[0] ?? '';
  const entry = readdirSync(join(store.dir, shard))[0] ?? '';
  writeFileSync(join(store.dir, shard, entry), '{not json');
  assert.equal(store.seen('k', later(10 ** 9)), true);
  assert.equal(store.claim('k', later(1000), later(10 ** 9)), false);
  assert.ok(readdirSync(join(store.dir, shard)).every((n) => !n.startsWith('.tmp')));
});

test('processes racing on the same key: exactly one claim wins', async () => {
  const dir = join(root, 'race');
  const script = `
    import { DirectoryReplayStore } from ${JSON.stringify(new URL('./replay-store.ts', import.meta.url).href)};
    const s = new DirectoryReplayStore(${JSON.stringify(dir)});
    let won = 0;
    for (let i = 0; i < 200; i++) if (s.claim('key-' + i, null, new Date())) won++;
    console.log(won);`;
  const run = (): Promise<{ stdout: string }> => promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
  const results = await Promise.all([run(), run(), run(), run()]);
  const total = results.reduce((sum, r) => sum + Number(r.stdout.trim()), 0);
  assert.equal(total, 200);
});
