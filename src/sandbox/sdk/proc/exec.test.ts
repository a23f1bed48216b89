import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { hasCode } from '../../../core/errors.js';
import { AccessDeniedError, LimitExceededError } from '../../errors.js';
import type { AccessRequest, Entity } from '../../gate.js';
import type { HostFunction } from '../../host-api.js';
import { allowAction, RecordingGate, TEST_USER, testContext, type Rule } from '../testing/recording-gate.js';
import { createProcModule } from './index.js';

const EXECUTE = 'file_system::Action::"execute"';
const ECHO = '/bin/echo';

type Result = { code: number | null; signal: string | null; stdout: string; stderr: string; timedOut: boolean };

const tmp = mkdtempSync(join(tmpdir(), 'writ-exec-'));
after(() => { rmSync(tmp, { recursive: true, force: true }); });

function setup(rules: Rule[], options: Parameters<typeof testContext>[1] = {}) {
  const gate = new RecordingGate(rules);
  const ctx = testContext(gate, options);
  return { gate, ctx, exec: createProcModule(ctx).exec as HostFunction };
}

function code(expected: string): (err: unknown) => boolean {
  return (err) => hasCode(err, expected);
}

/** Every execute request names the program file and, for a link, its real file. */
function programs(path: string): string[] {
  const real = realpathSync(path);
  return real === path ? [path] : [path, real];
}

function entity(request: AccessRequest, type: string): Entity | undefined {
  return request.entities.find((e) => e.uid.type === type);
}

/** Pids whose command line is exactly `argv`. */
function running(argv: string[]): number[] {
  const wanted = argv.join('\0') + '\0';
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number).filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8') === wanted;
    } catch {
      return false;
    }
  });
}

describe('proc.exec', () => {
  test('allowed: runs the program; exact stdout and exit code; asks execute in REX shape', () => {
    const { gate, exec } = setup([allowAction(EXECUTE)]);
    const res = exec(ECHO, ['hello', 'world']) as Result;
    assert.deepEqual(res, { code: 0, signal: null, stdout: 'hello world\n', stderr: '', timedOut: false });
    assert.deepEqual(gate.asked.map((q) => q.resource), programs(ECHO).map((p) => `file_system::File::${JSON.stringify(p)}`));
    assert.ok(gate.asked.every((q) => q.action === EXECUTE));
    const req = gate.asked[0]!.request;
    assert.deepEqual(req.entities.slice(0, 3).map((e) => [e.uid.type, e.uid.id, e.parents]), [
      ['file_system::File', '/bin/echo', [{ type: 'file_system::Dir', id: '/bin' }]],
      ['file_system::Dir', '/bin', [{ type: 'file_system::Dir', id: '/' }]],
      ['file_system::Dir', '/', []],
    ]);
    const args = entity(req, 'file_system::Arguments');
    const env = entity(req, 'file_system::Environment');
    assert.deepEqual(args?.attrs, { keys: [], flags: [], positional_values: ['hello', 'world'] });
    assert.deepEqual(env?.attrs, { names: [] });
    assert.deepEqual(req.context, {
      arguments: { __entity: args?.uid },
      environment: { __entity: env?.uid },
      user: { username: TEST_USER.username, uid: TEST_USER.uid },
      group: { groupname: TEST_USER.groupname, gid: TEST_USER.gid },
    });
    // Fresh ids per request, so one request's tags can never be confused with another's.
    const again = setup([allowAction(EXECUTE)]);
    again.exec(ECHO, []);
    assert.notEqual(entity(again.gate.asked[0]!.request, 'file_system::Arguments')?.uid.id, args?.uid.id);
  });

  test('denied: AccessDenied on the File, and the program never runs', () => {
    const marker = join(tmp, 'denied-touch');
    const { exec } = setup([]);
    assert.throws(
      () => exec('/usr/bin/touch', [marker]),
      (err: unknown) => err instanceof AccessDeniedError && err.action === EXECUTE && err.resource === 'file_system::File::"/usr/bin/touch"',
    );
    assert.equal(existsSync(marker), false);
  });

  test('the policy sees arguments as keys/flags/positional and can decide on them', () => {
    const noEscapes: Rule = (req) => {
      const args = entity(req, 'file_system::Arguments');
      return allowAction(EXECUTE)(req) && Array.isArray(args?.attrs.flags) && !args.attrs.flags.includes('-e');
    };
    const { gate, exec } = setup([noEscapes]);
    const res = exec(ECHO, ['-n', '--mode=x', 'pos']) as Result;
    assert.equal(res.stdout, '--mode=x pos');
    const args = entity(gate.asked[0]!.request, 'file_system::Arguments');
    assert.deepEqual(args?.attrs, { keys: ['mode'], flags: ['-n'], positional_values: ['pos'] });
    assert.deepEqual(args?.tags, { mode: 'x' });
    assert.throws(() => exec(ECHO, ['-e', 'x']), (err: unknown) => err instanceof AccessDeniedError);
  });

  test('ADVERSARIAL: shell metacharacters in argv are passed literally (no shell, ever)', () => {
    const { exec } = setup([allowAction(EXECUTE)]);
    const res = exec(ECHO, ['$(id); ls', '`whoami`', '&&', '|', '>', join(tmp, 'redir'), '*']) as Result;
    assert.equal(res.stdout, `$(id); ls \`whoami\` && | > ${join(tmp, 'redir')} *\n`);
    assert.equal(existsSync(join(tmp, 'redir')), false);
  });

  test('the environment is EMPTY by default; a given env is exactly what the child and the policy see', () => {
    const { gate, exec } = setup([allowAction(EXECUTE)]);
    assert.equal((exec('/usr/bin/env', []) as Result).stdout, '');
    const res = exec('/usr/bin/env', [], { env: { FOO: 'bar baz', EMPTY: '' } }) as Result;
    assert.deepEqual(res.stdout.split('\n').filter(Boolean).sort(), ['EMPTY=', 'FOO=bar baz']);
    const env = entity(gate.asked.at(-1)!.request, 'file_system::Environment');
    assert.deepEqual(env?.attrs, { names: ['EMPTY', 'FOO'] });
    assert.deepEqual(env?.tags, { FOO: 'bar baz', EMPTY: '' });
  });

  test('ADVERSARIAL: environment names with "=" or NUL, and NUL in argv, are refused', () => {
    const { gate, exec } = setup([allowAction(EXECUTE)]);
    assert.throws(() => exec('/usr/bin/env', [], { env: { 'A=B': 'c' } }), code('INVALID_ARGUMENT'));
    assert.throws(() => exec('/usr/bin/env', [], { env: { A: 'x\0y' } }), code('INVALID_ARGUMENT'));
    assert.throws(() => exec(ECHO, ['a\0b']), code('INVALID_ARGUMENT'));
    assert.throws(() => exec(ECHO, 'not-an-array'), code('INVALID_ARGUMENT'));
    assert.throws(() => exec(ECHO, [], { timeout: 5 }), code('INVALID_ARGUMENT'));
    assert.equal(gate.asked.length, 0);
  });

  test('exact exit codes and terminating signals', () => {
    const { exec } = setup([allowAction(EXECUTE)]);
    assert.deepEqual(exec('/bin/sh', ['-c', 'echo err >&2; exit 42']), { code: 42, signal: null, stdout: '', stderr: 'err\n', timedOut: false });
    const killed = exec('/bin/sh', ['-c', 'kill -9 $$']) as Result;
    assert.equal(killed.code, null);
    assert.equal(killed.signal, 'SIGKILL');
  });

  test('ADVERSARIAL: a symlink to a denied binary is denied (the real path is authorized too)', () => {
    const link = join(tmp, 'innocent-echo');
    symlinkSync('/usr/bin/id', link);
    const { gate, exec } = setup([allowAction(EXECUTE, (id) => id === link)]);
    assert.throws(
      () => exec(link, []),
      (err: unknown) => err instanceof AccessDeniedError && err.resource === `file_system::File::${JSON.stringify(realpathSync('/usr/bin/id'))}`,
    );
    assert.deepEqual(gate.asked.map((q) => q.decision), ['allow', 'deny']);
  });

  test('ADVERSARIAL: a #! script needs execute on its interpreter too', () => {
    const script = join(tmp, 'hello.sh');
    writeFileSync(script, '#!/bin/sh\necho from-script\n', { mode: 0o755 });
    const denied = setup([allowAction(EXECUTE, (id) => id === script)]);
    assert.throws(
      () => denied.exec(script, []),
      (err: unknown) => err instanceof AccessDeniedError && err.resource === 'file_system::File::"/bin/sh"',
    );
    const allowed = setup([allowAction(EXECUTE, (id) => id === script || id === '/bin/sh' || id === realpathSync('/bin/sh'))]);
    assert.equal((allowed.exec(script, []) as Result).stdout, 'from-script\n');
    assert.ok(allowed.gate.asked.some((q) => q.resource === 'file_system::File::"/bin/sh"' && q.decision === 'allow'));
  });

  test('ADVERSARIAL: a #! line with a relative interpreter is refused', () => {
    const script = join(tmp, 'relative.sh');
    writeFileSync(script, '#!sh\necho x\n', { mode: 0o755 });
    const { exec } = setup([allowAction(EXECUTE)]);
    assert.throws(() => exec(script, []), code('EXEC_FAILED'));
  });

  test('a symlink to an allowed binary runs, with argv[0] as the name asked for', () => {
    const link = join(tmp, 'my-sh');
    symlinkSync('/bin/sh', link);
    const { exec } = setup([allowAction(EXECUTE)]);
    assert.equal((exec(link, ['-c', 'echo "$0"']) as Result).stdout, `${link}\n`);
  });

  test('relative paths are refused; a missing program is ENOENT after the check', () => {
    const { gate, exec } = setup([allowAction(EXECUTE)]);
    assert.throws(() => exec('bin/echo', []), code('INVALID_PATH'));
    assert.equal(gate.asked.length, 0);
    assert.throws(() => exec('/nonexistent/program', []), code('ENOENT'));
    assert.equal(gate.asked.length, 1);
    const denied = setup([]);
    assert.throws(() => denied.exec('/nonexistent/program', []), (err: unknown) => err instanceof AccessDeniedError);
  });

  test('ADVERSARIAL: a hanging child is killed at the run deadline', () => {
    const argv = ['/bin/sleep', `47.${process.pid}`];
    const { exec } = setup([allowAction(EXECUTE)], { timeoutMs: 400 });
    const started = performance.now();
    assert.throws(() => exec(argv[0], argv.slice(1)), (err: unknown) => err instanceof LimitExceededError && err.code === 'TIMEOUT');
    assert.ok(performance.now() - started < 3000);
    assert.deepEqual(running(argv), []);
  });

  test("the script's own timeoutMs returns timedOut and kills the child", () => {
    const argv = ['/bin/sleep', `48.${process.pid}`];
    const { exec } = setup([allowAction(EXECUTE)]);
    const res = exec(argv[0], argv.slice(1), { timeoutMs: 200 }) as Result;
    assert.equal(res.timedOut, true);
    assert.equal(res.code, null);
    assert.equal(res.signal, 'SIGKILL');
    assert.deepEqual(running(argv), []);
  });

  test('ADVERSARIAL: background descendants do not outlive the call', () => {
    const grandchild = ['/bin/sleep', `49.${process.pid}`];
    const { exec } = setup([allowAction(EXECUTE)]);
    const res = exec('/bin/sh', ['-c', `${grandchild.join(' ')} >/dev/null 2>&1 & echo started`]) as Result;
    assert.equal(res.stdout, 'started\n');
    // SIGKILL is queued at once but the victim dies when next scheduled: allow a loaded machine 2 s.
    const until = Date.now() + 2000;
    while (running(grandchild).length > 0 && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    assert.deepEqual(running(grandchild), []);
  });

  test('ADVERSARIAL: output beyond the read limit is OUTPUT_TOO_LARGE (stdout and stderr)', () => {
    const { exec } = setup([allowAction(EXECUTE)], { maxReadBytes: 64 * 1024 });
    assert.throws(() => exec('/usr/bin/yes', []), code('OUTPUT_TOO_LARGE'));
    assert.throws(() => exec('/bin/sh', ['-c', 'yes >&2']), code('OUTPUT_TOO_LARGE'));
    assert.equal((exec('/usr/bin/head', ['-c', String(64 * 1024), '/dev/zero']) as Result).stdout.length, 64 * 1024);
  });

  test('cwd defaults to / and can be set', () => {
    const { exec } = setup([allowAction(EXECUTE)]);
    assert.equal((exec('/bin/pwd', []) as Result).stdout, '/\n');
    assert.equal((exec('/bin/pwd', [], { cwd: tmp }) as Result).stdout, `${realpathSync(tmp)}\n`);
    assert.throws(() => exec('/bin/pwd', [], { cwd: 'relative' }), code('INVALID_PATH'));
  });

  test('each call spends the budget', () => {
    const { exec } = setup([allowAction(EXECUTE)], { maxOps: 1 });
    exec(ECHO, []);
    assert.throws(() => exec(ECHO, []), code('OPS_LIMIT'));
  });
});
