/**
 * `writ exec` through the real CLI without a control host: `--dry-run` builds and seals the writ,
 * `writ run job.writ --trust` runs it as an agent would. Keys come from `writ keygen` at test time.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CLI_COMMAND, writ, type CliResult } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('writ-cli-exec-');
after(() => { dir[Symbol.dispose](); });
const at = (name: string): string => join(dir.path, name);
const env = { WRIT_STATE_DIR: at('state') };
const run = (args: string[], input?: Buffer): CliResult => writ(args, { env, ...(input ? { input } : {}) });
const key = at('owner.pem');
const trust = at('owner.pub.pem');
assert.equal(run(['keygen', '--out', key]).code, 0);

interface Report { status: string; result: unknown; error: { code: string; message: string; resource?: string } | null; stdout: string }
const report = (r: CliResult): Report => JSON.parse(r.stdout) as Report;

/** `writ exec --dry-run --out FILE` then `writ run FILE --trust`: the writ exactly as a host gets it. */
function execLocally(name: string, command: string[], extra: string[] = []): CliResult {
  const out = at(`${name}.writ`);
  const built = run(['exec', 'web1', '--key', key, '--dry-run', '--out', out, ...extra, '--', ...command]);
  assert.equal(built.code, 0, built.stderr);
  return run(['run', out, '--trust', trust]);
}

function usageError(r: CliResult, code: string): void {
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, new RegExp(`^writ: ${code}: `, 'm'));
}

describe('writ exec --dry-run, run by writ run --trust', () => {
  test('ADVERSARIAL: quotes, backticks, ${}, newlines, "; rm -rf /" and options after -- reach the program byte-for-byte', () => {
    const nasty = ['-la', '--json', '"q"', "'s'", '`id`', '${HOME}', '$(id)', 'a\nb', '; rm -rf /', '\\'];
    const ran = execLocally('printf', ['/usr/bin/printf', '%s\x1e', ...nasty]);
    assert.equal(ran.code, 0, ran.stdout + ran.stderr);
    assert.deepEqual(report(ran).stdout.split('\x1e').slice(0, -1), nasty);
  });

  test('/bin/echo (a link on merged-/usr hosts) runs: the policy names the file it resolves to as well', () => {
    const ran = execLocally('echo', ['/bin/echo', 'hello', 'a  b']);
    assert.equal(ran.code, 0, ran.stdout + ran.stderr);
    assert.equal(report(ran).stdout, 'hello a  b\n');
  });

  test("the program's non-zero exit code fails the run (exit 1) and is named in the error", () => {
    const ran = execLocally('exit42', ['/bin/sh', '-c', 'exit 42']);
    assert.equal(ran.code, 1);
    assert.equal(report(ran).error?.code, 'SCRIPT_ERROR');
    assert.match(report(ran).error?.message ?? '', /^ProgramExit: \/bin\/sh exited with code 42/);
  });

  test('ADVERSARIAL: another script sealed with the exec policy cannot run another program (exit 3)', () => {
    const summary = run(['exec', 'web1', '--key', key, '--dry-run', '--json', '--out', at('policy-src.writ'), '--', '/usr/bin/echo']);
    assert.equal(summary.code, 0, summary.stderr);
    writeFileSync(at('exec.cedar'), (JSON.parse(summary.stdout) as { policy: string }).policy);
    writeFileSync(at('other.js'), 'proc.exec("/usr/bin/id", [])');
    assert.equal(run(['seal', '--script', at('other.js'), '--policy', at('exec.cedar'), '--key', key, '--out', at('other.writ')]).code, 0);
    const ran = run(['run', at('other.writ'), '--trust', trust]);
    assert.equal(ran.code, 3, ran.stdout + ran.stderr);
    assert.equal(report(ran).error?.resource, 'file_system::File::"/usr/bin/id"');
  });

  test('without --out the sealed writ goes to standard output, ready for writ run -', () => {
    // Raw bytes: the writ is binary, so not through the utf8-decoding helper.
    const built = spawnSync(process.execPath, [...CLI_COMMAND, 'exec', 'web1', '--key', key, '--dry-run', '--', '/usr/bin/echo', 'piped'], { env: { ...process.env, ...env } });
    assert.equal(built.status, 0, built.stderr.toString());
    const ran = run(['run', '-', '--trust', trust], built.stdout);
    assert.equal(ran.code, 0, ran.stdout + ran.stderr);
    assert.equal(report(ran).stdout, 'piped\n');
  });

  test('bad input is a usage error naming the argument (exit 2, OPTION_INVALID)', () => {
    usageError(run(['exec', 'web1', '--key', key, '--dry-run', '--', 'echo', 'hi']), 'OPTION_INVALID');
    usageError(run(['exec', 'web1', '--key', key, '--dry-run', '--', '/usr/bin/../bin/echo']), 'OPTION_INVALID');
    usageError(run(['exec', 'web1', '--key', key, '--dry-run', '/usr/bin/echo', 'no-separator']), 'OPTION_INVALID');
    usageError(run(['exec', 'web1', '--key', key, '--dry-run', '--']), 'OPTION_INVALID');
    usageError(run(['exec', 'web1', '--key', key, '--dry-run', '--', '/usr/bin/echo', '--v=1', '--v=2']), 'OPTION_INVALID');
    usageError(run(['exec', 'web1', '--key', key, '--out', at('x.writ'), '--', '/usr/bin/echo']), 'OPTION_INVALID');
    usageError(run(['exec', 'web1', '--key', key, '--dry-run', '--run-timeout', '0', '--', '/usr/bin/echo']), 'OPTION_INVALID');
  });
});
