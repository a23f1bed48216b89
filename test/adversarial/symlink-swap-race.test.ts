/**
 * The time-of-check/time-of-use race: another process flips a symlink between an allowed file and a
 * forbidden one as fast as it can while the sandboxed script reads through it 10,000 times. Every read
 * must return the allowed content or be denied; the forbidden content must never come back.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { symlinkSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { run } from '../support/run.js';
import { tempDir } from '../support/temp.js';

const FLIPPER = `
const fs = require('node:fs');
const [dir] = process.argv.slice(1);
const link = dir + '/link.txt', tmp = dir + '/link.tmp';
let flip = false;
process.stdout.write('ready\\n');
for (;;) {
  try { fs.unlinkSync(tmp) } catch {}
  fs.symlinkSync(flip ? dir + '/secret.txt' : dir + '/public.txt', tmp);
  fs.renameSync(tmp, link);
  flip = !flip;
}
`;

test('symlink swapped during reads, 10,000 iterations: the secret never leaks', async () => {
  using dir = tempDir();
  writeFileSync(`${dir.path}/public.txt`, 'public');
  writeFileSync(`${dir.path}/secret.txt`, 'SECRET');
  symlinkSync(`${dir.path}/public.txt`, `${dir.path}/link.txt`);
  const flipper = spawn(process.execPath, ['-e', FLIPPER, dir.path], { stdio: ['ignore', 'pipe', 'inherit'] });
  await once(flipper.stdout, 'data');
  try {
    // The policy names the link itself and the public file, so only the real-path check stands in the way.
    const policy = `permit(principal, action == file_system::Action::"open", resource == file_system::Dir::"${dir.path}");
permit(principal, action in [file_system::Action::"open", file_system::Action::"read"], resource) when {
  resource == file_system::File::"${dir.path}/link.txt" || resource == file_system::File::"${dir.path}/public.txt" };`;
    const report = await run({
      policy,
      args: { link: `${dir.path}/link.txt` },
      limits: { timeoutMs: 120_000 },
      script: `const seen = { public: 0, denied: 0, other: 0, leaked: 0 };
for (let i = 0; i < 10000; i++) {
  try {
    const text = fs.read(args.link);
    if (text === 'public') seen.public++; else if (text === 'SECRET') seen.leaked++; else seen.other++;
  } catch (e) {
    if (e.name === 'AccessDenied') seen.denied++; else seen.other++;
  }
}
seen`,
    });
    assert.equal(report.status, 'succeeded', JSON.stringify(report.error));
    const seen = report.result as { public: number; denied: number; other: number; leaked: number };
    assert.equal(seen.leaked, 0);
    assert.equal(seen.public + seen.denied + seen.other, 10_000);
    // The race must actually have been exercised: both outcomes seen.
    assert.ok(seen.public > 0 && seen.denied > 0, JSON.stringify(seen));
  } finally {
    flipper.kill('SIGKILL');
  }
});
