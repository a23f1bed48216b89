/** The `writ` command's contract: JSON report fields, exit codes, human output, --help everywhere. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { writ } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

function files(dir: string, entries: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, text] of Object.entries(entries)) {
    const path = `${dir}/${name}`;
    writeFileSync(path, text);
    out[name] = path;
  }
  return out;
}

test('a succeeding run prints one JSON object with every contract field and exits 0', () => {
  using dir = tempDir();
  const f = files(dir.path, { 's.js': 'console.log("hi"); log.info("note"); 6 * 7', 'p.cedar': '' });
  const res = writ(['run', '--script', f['s.js']!, '--policy', f['p.cedar']!]);
  assert.equal(res.code, 0, res.stderr);
  const report = JSON.parse(res.stdout) as Record<string, unknown>;
  assert.deepEqual(Object.keys(report).sort(), ['decisions', 'error', 'logs', 'metrics', 'result', 'status', 'stdout', 'truncated']);
  assert.equal(report['status'], 'succeeded');
  assert.equal(report['result'], 42);
  assert.equal(report['stdout'], 'hi\n');
  assert.equal((report['logs'] as { msg: string }[])[0]?.msg, 'note');
});

test('exit codes: failed 1, usage 2, denied 3, rejected 4, timeout 5, limit 5', () => {
  using dir = tempDir();
  const f = files(dir.path, {
    'fail.js': 'throw new Error("boom")',
    'deny.js': 'fs.read("/etc/hostname")',
    'loop.js': 'while (true) {}',
    'ops.js': 'for (let i = 0; i < 100; i++) sys.hostname()',
    'empty.cedar': '',
    'all.cedar': 'permit(principal, action, resource);',
    'bad.cedar': 'permit(principal, action, resource) when { resource.path == };',
  });
  const code = (args: string[]) => writ(['run', ...args]).code;
  assert.equal(code(['--script', f['fail.js']!, '--policy', f['empty.cedar']!]), 1);
  assert.equal(code(['--script', f['fail.js']!]), 2);
  assert.equal(code(['--script', f['deny.js']!, '--policy', f['empty.cedar']!]), 3);
  assert.equal(code(['--script', f['deny.js']!, '--policy', f['bad.cedar']!]), 4);
  assert.equal(code(['--script', f['loop.js']!, '--policy', f['empty.cedar']!, '--timeout', '300']), 5);
  assert.equal(code(['--script', f['ops.js']!, '--policy', f['all.cedar']!, '--max-ops', '10']), 5);
  assert.equal(code(['--script', `${dir.path}/missing.js`, '--policy', f['empty.cedar']!]), 2);
  assert.equal(code(['--script', f['fail.js']!, '--policy', f['empty.cedar']!, '--timeout', 'soon']), 2);
});

test('an invalid policy is rejected before the script starts, naming file, line and column', () => {
  using dir = tempDir();
  const f = files(dir.path, {
    's.js': 'fs.write("/tmp/writ-must-not-exist", "x")',
    'bad.cedar': 'permit(principal, action, resource);\npermit(principal, action == file_system::Action::"reed", resource);\n',
  });
  const res = writ(['run', '--script', f['s.js']!, '--policy', f['bad.cedar']!]);
  assert.equal(res.code, 4);
  const report = JSON.parse(res.stdout) as { status: string; error: { code: string; message: string } };
  assert.equal(report.status, 'rejected');
  assert.equal(report.error.code, 'POLICY_INVALID');
  assert.match(report.error.message, /bad\.cedar:2:\d+/);
});

test('REX typed arguments reach the script as plain values', () => {
  using dir = tempDir();
  const f = files(dir.path, {
    's.js': '[args.name, args.count, args.on]',
    'p.cedar': '',
    'a.json': JSON.stringify({ name: { stringValue: 'x' }, count: { intValue: 3 }, on: { boolValue: true } }),
  });
  const res = writ(['run', '--script', f['s.js']!, '--policy', f['p.cedar']!, '--args', f['a.json']!]);
  assert.deepEqual((JSON.parse(res.stdout) as { result: unknown }).result, ['x', 3, true]);
});

test('--output human shows status, denial and decisions for people', () => {
  using dir = tempDir();
  const f = files(dir.path, { 's.js': 'fs.read("/etc/hostname")', 'p.cedar': '' });
  const res = writ(['run', '--script', f['s.js']!, '--policy', f['p.cedar']!, '--output', 'human']);
  assert.equal(res.code, 3);
  assert.match(res.stdout, /status: DENIED/);
  assert.match(res.stdout, /DENY +file_system::Action::"open" file_system::Dir::"\/etc"/);
});

test('--learn prints a policy that validates and permits exactly what the script did', () => {
  using dir = tempDir();
  const f = files(dir.path, { 'data.txt': 'x', 'other.txt': 'y', 's.js': `fs.read(${JSON.stringify(`${dir.path}/data.txt`)})` });
  const learned = `${dir.path}/learned.cedar`;
  const res = writ(['run', '--learn', '--learn-out', learned, '--script', f['s.js']!]);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(writ(['policy', 'check', learned]).code, 0);
  assert.equal(writ(['run', '--script', f['s.js']!, '--policy', learned]).code, 0);
  const other = files(dir.path, { 'o.js': `fs.read(${JSON.stringify(`${dir.path}/other.txt`)})` });
  assert.equal(writ(['run', '--script', other['o.js']!, '--policy', learned]).code, 3);
});

test('writ policy check and writ functions', () => {
  using dir = tempDir();
  const f = files(dir.path, { 'ok.cedar': 'permit(principal, action, resource);', 'bad.cedar': 'permit(' });
  assert.equal(writ(['policy', 'check', f['ok.cedar']!]).code, 0);
  const bad = writ(['policy', 'check', '--json', f['bad.cedar']!]);
  assert.equal(bad.code, 4);
  assert.equal((JSON.parse(bad.stdout) as { error: { code: string } }).error.code, 'POLICY_INVALID');
  const fns = JSON.parse(writ(['functions', '--json']).stdout) as { name: string; actions: string[] }[];
  const names = fns.map((fn) => fn.name);
  for (const expected of ['fs.read', 'fs.write', 'fs.ls', 'fs.rm', 'fs.glob', 'net.get', 'net.resolve', 'proc.exec', 'proc.list', 'proc.kill', 'sys.info', 'systemd.restart']) {
    assert.ok(names.includes(expected), `writ functions lists ${expected}`);
  }
  // Only the sealed inputs ask Cedar nothing: they arrive signed inside the writ.
  assert.ok(fns.every((fn) => fn.actions.length > 0 || fn.name.startsWith('inputs.')));
  assert.ok(names.includes('inputs.read'));
});

test("the host's time zone does not leak into the script", () => {
  using dir = tempDir();
  const f = files(dir.path, { 's.js': 'new Date(0).getTimezoneOffset()', 'p.cedar': '' });
  const res = writ(['run', '--script', f['s.js']!, '--policy', f['p.cedar']!], { env: { TZ: 'Asia/Kolkata' } });
  assert.equal((JSON.parse(res.stdout) as { result: unknown }).result, 0);
});

test('--help on every command', () => {
  for (const args of [['--help'], ['run', '--help'], ['policy', '--help'], ['policy', 'check', '--help'], ['functions', '--help']]) {
    const res = writ(args);
    assert.equal(res.code, 0, args.join(' '));
    assert.match(res.stdout, /Usage: writ/);
  }
});

test('writ run TARGET job.writ is the fleet alias of writ send: it goes to the control host and refuses local-run flags', () => {
  using dir = tempDir();
  const job = `${dir.path}/job.writ`;
  writeFileSync(job, 'not even a writ: the control host would be the one to refuse it');
  // No control host runs for this directory: the alias asks for it, where a local run would verify the file.
  const fleet = writ(['run', 'web1', job], { env: { WRIT_CONTROL_DIR: `${dir.path}/control` } });
  assert.notEqual(fleet.code, 0);
  assert.match(fleet.stderr, /CONTROL_NOT_RUNNING/);
  const mixed = writ(['run', 'web1', job, '--trust', job, '--timeout', '5'], { env: { WRIT_CONTROL_DIR: `${dir.path}/control` } });
  assert.equal(mixed.code, 2);
  assert.match(mixed.stderr, /OPTION_CONFLICT/);
  assert.match(mixed.stderr, /--trust/);
});
