/** REX's own quick-start policy behaves the same here: REX policies work unchanged. */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { test } from 'node:test';
import { run } from '../support/run.js';

const REX_QUICKSTART = `
// Allow opening /tmp on Linux, or /private/tmp on macOS (symlink target)
permit(principal, action in [file_system::Action::"open"], resource)
when { resource == file_system::Dir::"/tmp" || resource == file_system::Dir::"/private/tmp" };

permit(principal, action in [file_system::Action::"open", file_system::Action::"read",
                             file_system::Action::"write", file_system::Action::"create"], resource)
when { resource == file_system::File::"/tmp/rex-hello-world" || resource == file_system::File::"/private/tmp/rex-hello-world" };
`;

test('REX quick start: write then read the one permitted file', async () => {
  rmSync('/tmp/rex-hello-world', { force: true });
  try {
    const report = await run({
      policy: REX_QUICKSTART,
      args: { file_name: 'rex-hello-world' },
      script: `const path = '/tmp/' + args.file_name; fs.write(path, 'Hello, world!'); fs.read(path)`,
    });
    assert.equal(report.status, 'succeeded', JSON.stringify(report.error));
    assert.equal(report.result, 'Hello, world!');
    // a second write meets an existing file: open + write, no create
    const again = await run({ policy: REX_QUICKSTART, script: `fs.write('/tmp/rex-hello-world', 'again'); fs.read('/tmp/rex-hello-world')` });
    assert.equal(again.result, 'again');
  } finally {
    rmSync('/tmp/rex-hello-world', { force: true });
  }
});

test('REX quick start: any other file in /tmp is denied and the run ends denied (exit 3)', async () => {
  const report = await run({ policy: REX_QUICKSTART, script: `fs.read('/tmp/some-other-file')` });
  assert.equal(report.status, 'denied');
  assert.equal(report.error?.code, 'ACCESS_DENIED');
  assert.equal(report.error?.action, 'file_system::Action::"open"');
  assert.equal(report.error?.resource, 'file_system::File::"/tmp/some-other-file"');
});

test('REX quick start: nothing outside /tmp', async () => {
  const report = await run({ policy: REX_QUICKSTART, script: `fs.read('/etc/hostname')` });
  assert.equal(report.status, 'denied');
  assert.equal(report.error?.resource, 'file_system::Dir::"/etc"');
});
