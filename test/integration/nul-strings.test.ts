/**
 * Strings holding NUL characters cross the sandbox boundary whole, both ways. QuickJS hands strings
 * to the host, and takes them from it, as C strings cut at the first NUL; without the JSON detour in
 * the bootstrap and the host bridge, each assertion below sees a shortened string.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ALLOW_ALL, run } from '../support/run.js';
import { tempDir } from '../support/temp.js';

test('output with NUL characters arrives whole: console.log and log lines', async () => {
  const report = await run({ script: 'console.log("x\\0y"); log.info("p\\0q"); console.log("z".repeat(5000) + "\\0!"); 1', policy: ALLOW_ALL });
  assert.equal(report.status, 'succeeded', JSON.stringify(report.error));
  assert.equal(report.stdout, `x\0y\n${'z'.repeat(5000)}\0!\n`);
  assert.deepEqual(report.logs.map((l) => l.msg), ['p\0q']);
});

test('file contents with NUL characters go to the host and come back whole, short and long', async () => {
  using dir = tempDir();
  const small = join(dir.path, 'small.bin');
  const big = join(dir.path, 'big.bin');
  const script = `
    const big = 'x'.repeat(5000) + '\\0' + 'y'.repeat(5000);
    fs.write(args.small, 'a\\0b');
    fs.write(args.big, big);
    [fs.read(args.small) === 'a\\0b', fs.read(args.big) === big, fs.read(args.big).length]`;
  const report = await run({ script, policy: ALLOW_ALL, args: { small, big } });
  assert.equal(report.status, 'succeeded', JSON.stringify(report.error));
  assert.deepEqual(report.result, [true, true, 10001]);
  assert.equal(readFileSync(small, 'latin1'), 'a\0b');
  assert.equal(readFileSync(big).length, 10001);
});
