/**
 * `writ exec` through a real control host and two real agents on loopback (test/support/fleet.ts):
 * the writ is built and sealed in memory, then sent the way `writ send` sends one.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { writ } from '../support/cli.js';
import { startFleet, type Fleet } from '../support/fleet.js';
import { tempDir } from '../support/temp.js';

const root = tempDir('writ-control-exec-');
const at = (name: string): string => join(root.path, name);
const key = at('owner.pem');
let fleet: Fleet | undefined;

before(async () => {
  assert.equal(writ(['keygen', '--out', key]).code, 0);
  fleet = await startFleet({ root: root.path, trustPath: at('owner.pub.pem'), agentNames: ['agent-1', 'agent-2'], tags: 'web' });
});

after(async () => {
  await fleet?.stop();
  root[Symbol.dispose]();
});

const exec = (target: string, flags: string[], command: string[]) => writ(['exec', target, '--key', key, '--dir', fleet?.caDir ?? '', ...flags, '--', ...command]);
const jsonLines = (stdout: string): Record<string, unknown>[] => stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
const results = (stdout: string) => jsonLines(stdout).filter((l) => l.type === 'result').map((r) => [r.host, r.status, r.exitCode]).sort();

test('ADVERSARIAL: every host runs the program with its arguments exactly; live output, exit code 0 per host', () => {
  const nasty = ['-la', '"q"', '`id`', '${HOME}', '$(id); rm -rf /', 'a\nb'];
  const sent = exec('tag:web', ['--json'], ['/usr/bin/printf', '%s\x1e', ...nasty]);
  assert.equal(sent.code, 0, sent.stdout + sent.stderr);
  const outputs = jsonLines(sent.stdout).filter((l) => l.type === 'output');
  assert.equal(outputs.length, 2);
  // console.log ends the last line the program left open.
  for (const o of outputs) assert.deepEqual(String(o.text).split('\x1e').slice(0, -1), nasty);
  assert.deepEqual(results(sent.stdout), [['agent-1', 'ok', 0], ['agent-2', 'ok', 0]]);
});

test("a non-zero exit fails each host with exit code 1; --max-errors 0 stops dispatching as with writ send", () => {
  const sent = exec('agent-1,agent-2', ['--json', '--max-concurrency', '1', '--max-errors', '0'], ['/bin/sh', '-c', 'exit 42']);
  assert.equal(sent.code, 1);
  assert.deepEqual(results(sent.stdout), [['agent-1', 'failed', 1], ['agent-2', 'skipped', null]]);
});

test('human output: host-prefixed live lines, then the summary table', () => {
  const sent = exec('agent-1', [], ['/usr/bin/echo', 'hello from exec']);
  assert.equal(sent.code, 0, sent.stderr);
  assert.match(sent.stdout, /^agent-1: hello from exec$/m);
  assert.match(sent.stdout, /^agent-1\s+ok\s+0\b/m);
});
