/**
 * For every script function: allowed when the policy permits, AccessDenied (catchable, with .action
 * and .resource) when it does not, and the host ceiling able to deny what the bundle policy allows.
 * Real Cedar, real files, real processes, a real loopback HTTP server.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { JsonValue } from '../../src/core/json.js';
import { startHttpServerProcess, type TestHttpServer } from '../support/http-server-process.js';
import { ALLOW_ALL, allowAllBut, run } from '../support/run.js';
import { tempDir } from '../support/temp.js';

interface Case {
  readonly fn: string;
  /** The Cedar action the denial tests forbid. */
  readonly action: string;
  /** Guest expression performing the call; `D` is the temp dir, `U` the HTTP base URL. */
  readonly call: string;
  readonly setup?: (dir: string) => void;
  /** Checks the allowed run's result and effect. */
  readonly check: (result: JsonValue, dir: string) => void;
}

const fsa = (name: string): string => `file_system::Action::"${name}"`;

const CASES: readonly Case[] = [
  { fn: 'fs.read', action: fsa('read'), setup: (d) => writeFileSync(`${d}/a.txt`, 'alpha'), call: `fs.read(D + '/a.txt')`, check: (r) => assert.equal(r, 'alpha') },
  { fn: 'fs.readBytes', action: fsa('read'), setup: (d) => writeFileSync(`${d}/a.bin`, Buffer.from([1, 2, 255])), call: `Array.from(fs.readBytes(D + '/a.bin'))`, check: (r) => assert.deepEqual(r, [1, 2, 255]) },
  { fn: 'fs.write', action: fsa('write'), setup: (d) => writeFileSync(`${d}/w.txt`, 'old'), call: `fs.write(D + '/w.txt', 'new')`, check: (_r, d) => assert.equal(readFileSync(`${d}/w.txt`, 'utf8'), 'new') },
  { fn: 'fs.write (new file)', action: fsa('create'), call: `fs.write(D + '/n.txt', 'x')`, check: (_r, d) => assert.equal(readFileSync(`${d}/n.txt`, 'utf8'), 'x') },
  { fn: 'fs.ls', action: fsa('read'), setup: (d) => writeFileSync(`${d}/l.txt`, ''), call: `fs.ls(D).map(e => e.name)`, check: (r) => assert.deepEqual(r, ['l.txt']) },
  { fn: 'fs.stat', action: fsa('stat'), setup: (d) => writeFileSync(`${d}/s.txt`, 'abc'), call: `fs.stat(D + '/s.txt').size`, check: (r) => assert.equal(r, 3) },
  { fn: 'fs.mkdir', action: fsa('create'), call: `fs.mkdir(D + '/sub')`, check: (_r, d) => assert.ok(statSync(`${d}/sub`).isDirectory()) },
  { fn: 'fs.rm', action: fsa('delete'), setup: (d) => writeFileSync(`${d}/r.txt`, ''), call: `fs.rm(D + '/r.txt')`, check: (_r, d) => assert.equal(existsSync(`${d}/r.txt`), false) },
  { fn: 'fs.cp', action: fsa('create'), setup: (d) => writeFileSync(`${d}/c.txt`, 'copy me'), call: `fs.cp(D + '/c.txt', D + '/c2.txt')`, check: (_r, d) => assert.equal(readFileSync(`${d}/c2.txt`, 'utf8'), 'copy me') },
  { fn: 'fs.mv', action: fsa('move'), setup: (d) => writeFileSync(`${d}/m.txt`, 'move me'), call: `fs.mv(D + '/m.txt', D + '/m2.txt')`, check: (_r, d) => assert.equal(readFileSync(`${d}/m2.txt`, 'utf8'), 'move me') },
  { fn: 'fs.chmod', action: fsa('chmod'), setup: (d) => writeFileSync(`${d}/x.sh`, ''), call: `fs.chmod(D + '/x.sh', 0o700)`, check: (_r, d) => assert.equal(statSync(`${d}/x.sh`).mode & 0o777, 0o700) },
  { fn: 'fs.grep', action: fsa('read'), setup: (d) => writeFileSync(`${d}/g.txt`, 'one\ntwo\nthree\n'), call: `fs.grep('^t', D + '/g.txt').map(m => m.line)`, check: (r) => assert.deepEqual(r, [2, 3]) },
  { fn: 'fs.tail', action: fsa('read'), setup: (d) => writeFileSync(`${d}/t.txt`, '1\n2\n3\n'), call: `fs.tail(D + '/t.txt', 2)`, check: (r) => assert.deepEqual(r, ['2', '3']) },
  { fn: 'fs.wc', action: fsa('read'), setup: (d) => writeFileSync(`${d}/c.txt`, 'a b\nc\n'), call: `fs.wc(D + '/c.txt')`, check: (r) => assert.deepEqual(r, { lines: 2, words: 3, bytes: 6 }) },
  {
    fn: 'fs.glob',
    action: fsa('read'),
    setup: (d) => {
      mkdirSync(`${d}/g`);
      writeFileSync(`${d}/g/1.log`, '');
      writeFileSync(`${d}/g/2.txt`, '');
    },
    call: `fs.glob(D + '/g/*.log')`,
    check: (r, d) => assert.deepEqual(r, [`${d}/g/1.log`]),
  },
  { fn: 'net.get', action: 'network::Action::"GET"', call: `net.get(U + '/ok').body`, check: (r) => assert.equal(r, 'hello') },
  { fn: 'net.resolve', action: 'sysinfo::Action::"resolve_hostname"', call: `net.resolve('localhost').length > 0`, check: (r) => assert.equal(r, true) },
  { fn: 'proc.exec', action: fsa('execute'), call: `proc.exec('/bin/echo', ['hi', '$(id)'])`, check: (r) => assert.deepEqual(r && typeof r === 'object' && !Array.isArray(r) ? [r['code'], r['stdout']] : r, [0, 'hi $(id)\n']) },
  { fn: 'sys.info', action: 'sysinfo::Action::"list"', call: `typeof sys.info().hostname`, check: (r) => assert.equal(r, 'string') },
  { fn: 'sys.hostname', action: 'sysinfo::Action::"list"', call: `sys.hostname()`, check: (r) => assert.equal(typeof r, 'string') },
  { fn: 'sys.df', action: 'sysinfo::Action::"list"', call: `Array.isArray(sys.df())`, check: (r) => assert.equal(r, true) },
];

function guest(call: string, dir: string, base: string): string {
  return `const D = ${JSON.stringify(dir)}; const U = ${JSON.stringify(base)};
try { ({ ok: true, value: ${call} }) } catch (e) { ({ ok: false, name: e.name, code: e.code, action: e.action, resource: e.resource }) }`;
}

describe('every SDK function under Cedar', () => {
  let http: TestHttpServer;
  before(async () => {
    http = await startHttpServerProcess();
  });
  after(async () => {
    await http[Symbol.asyncDispose]();
  });

  for (const c of CASES) {
    test(`${c.fn}: allowed when the policy permits`, async () => {
      using dir = tempDir();
      c.setup?.(dir.path);
      const report = await run({ script: guest(c.call, dir.path, http.base), policy: ALLOW_ALL });
      assert.equal(report.status, 'succeeded', JSON.stringify(report.error));
      const result = report.result as { ok: boolean; value: JsonValue; code?: string };
      assert.equal(result.ok, true, JSON.stringify(result));
      c.check(result.value, dir.path);
    });

    test(`${c.fn}: AccessDenied when the policy forbids ${c.action}`, async () => {
      using dir = tempDir();
      c.setup?.(dir.path);
      const report = await run({ script: guest(c.call, dir.path, http.base), policy: allowAllBut(c.action) });
      assert.equal(report.status, 'succeeded');
      assert.deepEqual({ ...(report.result as object), resource: undefined }, { ok: false, name: 'AccessDenied', code: 'ACCESS_DENIED', action: c.action, resource: undefined });
      assert.ok(report.decisions.some((d) => d.action === c.action && d.decision === 'deny'));
    });

    test(`${c.fn}: the ceiling denies what the bundle policy allows`, async () => {
      using dir = tempDir();
      c.setup?.(dir.path);
      const report = await run({ script: guest(c.call, dir.path, http.base), policy: ALLOW_ALL, ceiling: allowAllBut(c.action) });
      const result = report.result as { ok: boolean; name?: string; action?: string };
      assert.equal(result.ok, false);
      assert.equal(result.name, 'AccessDenied');
      assert.equal(result.action, c.action);
    });
  }

  test('proc.list filters out processes the policy does not let the script see', async () => {
    const all = await run({ script: 'proc.list().length', policy: ALLOW_ALL });
    assert.ok((all.result as number) > 0);
    const none = await run({ script: 'proc.list().length', policy: allowAllBut('process_system::Action::"list"') });
    assert.equal(none.result, 0);
    const ceiling = await run({ script: 'proc.list().length', policy: ALLOW_ALL, ceiling: allowAllBut('process_system::Action::"list"') });
    assert.equal(ceiling.result, 0);
  });

  test('proc.kill: allowed, denied, and denied by the ceiling', async () => {
    const spawnSleeper = () => spawn('/bin/sleep', ['30'], { stdio: 'ignore' });
    const script = (pid: number) => `try { proc.kill(${pid}); 'killed' } catch (e) { e.name + ':' + e.action }`;
    const kill = 'process_system::Action::"kill"';
    const denied = spawnSleeper();
    assert.equal((await run({ script: script(denied.pid!), policy: allowAllBut(kill) })).result, `AccessDenied:${kill}`);
    assert.equal((await run({ script: script(denied.pid!), policy: ALLOW_ALL, ceiling: allowAllBut(kill) })).result, `AccessDenied:${kill}`);
    assert.equal(denied.exitCode, null, 'a denied kill must not reach the process');
    denied.kill('SIGKILL');
    const victim = spawnSleeper();
    const exited = new Promise<NodeJS.Signals | null>((resolve) => victim.on('exit', (_c, sig) => resolve(sig)));
    assert.equal((await run({ script: script(victim.pid!), policy: ALLOW_ALL })).result, 'killed');
    assert.equal(await exited, 'SIGTERM');
  });

  for (const verb of ['status', 'start', 'stop', 'restart']) {
    test(`systemd.${verb}: authorized first, then a clear error where systemd is absent`, async () => {
      const action = `systemd::Action::"${verb}"`;
      const script = `try { systemd.${verb}('nginx.service'); 'ran' } catch (e) { e.name + ':' + (e.action ?? e.code) }`;
      const denied = await run({ script, policy: allowAllBut(action) });
      assert.equal(denied.result, `AccessDenied:${action}`);
      const ceiling = await run({ script, policy: ALLOW_ALL, ceiling: allowAllBut(action) });
      assert.equal(ceiling.result, `AccessDenied:${action}`);
      const allowed = await run({ script, policy: ALLOW_ALL });
      // This machine has no systemd: the allowed call must end in SYSTEMD_UNAVAILABLE, not a crash.
      if (!existsSync('/run/systemd/system')) assert.equal(allowed.result, 'SdkError:SYSTEMD_UNAVAILABLE');
      else assert.notEqual(allowed.result, `AccessDenied:${action}`);
    });
  }
});
