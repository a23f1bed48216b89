import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { decodeWrit, sealWrit, verifyWrit } from '../../bundle/index.js';
import { newSigner, trustKeys, verifyOptionsFor } from '../../bundle/testing/writs.js';
import { hasCode } from '../../core/errors.js';
import { capLimits, currentHostUser, DEFAULT_LIMITS, EXIT_CODES, openSealedContents, runScript, type RunReport, type SealedContents } from '../../runner/index.js';
import { EXEC_ENTRY_SCRIPT } from './entry-script.js';
import { buildExecWrit, type ExecWritRequest } from './exec-writ.js';

const tmp = mkdtempSync(join(tmpdir(), 'writ-exec-writ-'));
after(() => { rmSync(tmp, { recursive: true, force: true }); });
const signer = newSigner();
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** The program as given, plus the file it resolves to here (e.g. /bin is a link to /usr/bin). */
function build(program: string, argv: string[], extra: Partial<ExecWritRequest> = {}) {
  const real = realpathSync(program);
  return buildExecWrit({
    program,
    argv,
    ...(real === program ? {} : { resolvesTo: [real] }),
    privateKey: signer.privateKey,
    now: new Date(),
    expiresInMs: 60_000,
    audience: [],
    ...extra,
  });
}

/** Verifies the sealed bytes as a host would (trusting the signer), then runs them in the real runner. */
async function runWrit(bytes: Uint8Array): Promise<RunReport> {
  const prepared = await openWrit(bytes);
  return runScript({
    script: prepared.script,
    args: prepared.args,
    policy: prepared.policy,
    ceiling: null,
    limits: capLimits(DEFAULT_LIMITS, prepared.requestedLimits),
    user: currentHostUser(),
    learn: false,
    inputs: prepared.inputs,
  });
}

async function openWrit(bytes: Uint8Array): Promise<SealedContents> {
  const options = verifyOptionsFor(trustKeys(signer.publicKey), mkdtempSync(join(tmp, 'replay-')));
  return (await verifyWrit(decodeWrit(bytes, 1 << 26), options, openSealedContents)).prepared;
}

const code = (expected: string) => (err: unknown): boolean => hasCode(err, expected);

describe('buildExecWrit', () => {
  test('ADVERSARIAL: arguments full of quotes, backticks, ${}, newlines and "; rm -rf /" arrive byte-for-byte', async () => {
    const nasty = ['"double"', "'single'", '`id`', '${process.exit(9)}', '$(id)', 'line1\nline2', '; rm -rf /', '*/ throw 1; /*', '\\', 'ünï ✓', '-la', '--', ''];
    // One argument per record, ended by RS (0x1e), which none of them contains.
    const built = await build('/usr/bin/printf', ['%s\x1e', ...nasty]);
    // The script is the same constant whatever the arguments: they live only in args.json, as data.
    const opened = await openWrit(built.writ);
    assert.equal(opened.script.text, EXEC_ENTRY_SCRIPT);
    assert.deepEqual(opened.args, { program: '/usr/bin/printf', argv: ['%s\x1e', ...nasty] });
    const report = await runWrit(built.writ);
    assert.equal(report.status, 'succeeded', JSON.stringify(report.error));
    assert.deepEqual(report.stdout.split('\x1e').slice(0, -1), nasty);
    assert.deepEqual(report.result, { program: '/usr/bin/printf', code: 0 });
  });

  test('/bin/echo with tricky arguments prints them exactly; a program behind a link needs its real file too', async () => {
    const report = await runWrit((await build('/bin/echo', ['a  b', '"q"', '$HOME'])).writ);
    assert.equal(report.status, 'succeeded', JSON.stringify(report.error));
    assert.equal(report.stdout, 'a  b "q" $HOME\n');
    if (realpathSync('/bin/echo') !== '/bin/echo') {
      // Without the resolved file the agent's second question (the real path) is denied.
      const bare = await runWrit((await buildExecWrit({ program: '/bin/echo', argv: [], privateKey: signer.privateKey, now: new Date(), expiresInMs: 60_000, audience: [] })).writ);
      assert.equal(bare.status, 'denied');
      assert.equal(bare.error?.resource, `file_system::File::${JSON.stringify(realpathSync('/bin/echo'))}`);
    }
  });

  test('the policy names exactly the program: one execute rule per file, nothing else', async () => {
    const built = await build('/usr/bin/env', []);
    assert.equal(built.policy.match(/permit\(/g)?.length, 1);
    assert.match(built.policy, /action == file_system::Action::"execute",\n {2}resource == file_system::File::"\/usr\/bin\/env"/);
    assert.equal(built.manifest.entry, 'writ-exec.js');
  });

  test('ADVERSARIAL: /bin/sh -c is denied unless the program IS /bin/sh', async () => {
    const echoPolicy = (await build('/usr/bin/echo', [])).policy;
    const viaShell = await runWithPolicy(echoPolicy, 'proc.exec("/bin/sh", ["-c", "id"])');
    assert.equal(viaShell.status, 'denied');
    assert.equal(EXIT_CODES[viaShell.status], 3);
    assert.equal(viaShell.error?.resource, 'file_system::File::"/bin/sh"');
    const shell = await runWrit((await build('/bin/sh', ['-c', 'echo "from $0"'])).writ);
    assert.equal(shell.status, 'succeeded', JSON.stringify(shell.error));
    assert.equal(shell.stdout, 'from /bin/sh\n');
  });

  test('ADVERSARIAL: a script sealed with the exec policy cannot run another program, read a file or reach the network', async () => {
    const policy = (await build('/usr/bin/echo', [])).policy;
    for (const call of ['proc.exec("/usr/bin/id", [])', 'fs.read("/etc/hostname")', 'net.get("http://127.0.0.1:9/")', 'proc.kill(1)']) {
      const report = await runWithPolicy(policy, call);
      assert.equal(report.status, 'denied', call);
      assert.equal(EXIT_CODES[report.status], 3);
    }
    // proc.list shows only what the policy permits: nothing.
    assert.deepEqual((await runWithPolicy(policy, 'proc.list()')).result, []);
    // The program named by the policy still runs under the same policy: the denials are per program.
    assert.equal((await runWithPolicy(policy, 'proc.exec("/usr/bin/echo", ["ok"]).stdout')).result, 'ok\n');
  });

  test("a non-zero exit code fails the run (exit 1) and names the program's code; stderr goes to the log", async () => {
    const report = await runWrit((await build('/bin/sh', ['-c', 'echo out; echo err >&2; exit 42'])).writ);
    assert.equal(report.status, 'failed');
    assert.equal(EXIT_CODES[report.status], 1);
    assert.equal(report.error?.code, 'SCRIPT_ERROR');
    assert.match(report.error?.message ?? '', /^ProgramExit: \/bin\/sh exited with code 42/);
    assert.equal(report.stdout, 'out\n');
    assert.deepEqual(report.logs.map((l) => [l.level, l.msg]), [['warn', 'err\n']]);
    const killed = await runWrit((await build('/bin/sh', ['-c', 'kill -9 $$'])).writ);
    assert.match(killed.error?.message ?? '', /^ProgramExit: \/bin\/sh was killed by SIGKILL/);
  });

  test('the run timeout is sealed into the manifest and kills a hanging program (exit 5, TIMEOUT)', async () => {
    const built = await build('/bin/sleep', ['30'], { timeoutMs: 300 });
    assert.equal(built.manifest.limits.timeout, 300);
    const report = await runWrit(built.writ);
    assert.equal(EXIT_CODES[report.status], 5);
    assert.equal(report.error?.code, 'TIMEOUT');
  });

  test('refuses a relative, non-canonical or NUL-bearing program and NUL or ambiguous arguments', async () => {
    for (const program of ['ls', 'bin/ls', './ls', '', '/usr/bin/../bin/ls', '/usr//bin/ls', '/usr/bin/ls/', '/usr/bin/l\0s', '/usr/bin/\uD800']) {
      await assert.rejects(build2(program, []), code('PROGRAM_INVALID'), JSON.stringify(program));
    }
    await assert.rejects(build2('/usr/bin/echo', [], { resolvesTo: ['usr/bin/echo'] }), code('PROGRAM_INVALID'));
    await assert.rejects(build2('/usr/bin/echo', ['ok', 'a\0b']), code('ARGUMENT_INVALID'));
    await assert.rejects(build2('/usr/bin/echo', ['\uDC00']), code('ARGUMENT_INVALID'));
    await assert.rejects(build2('/usr/bin/echo', ['--mode=a', '--mode=b']), code('ARGUMENT_INVALID'));
    await assert.rejects(build2('/usr/bin/echo', [], { timeoutMs: 0 }), code('ARGUMENT_INVALID'));
  });
});

/** buildExecWrit without the local realpath lookup (the paths may not exist). */
function build2(program: string, argv: string[], extra: Partial<ExecWritRequest> = {}) {
  return buildExecWrit({ program, argv, privateKey: signer.privateKey, now: new Date(), expiresInMs: 60_000, audience: [], ...extra });
}

/** Seals another script under a given policy: what a tampered or hand-written writ could try. */
async function runWithPolicy(policy: string, script: string): Promise<RunReport> {
  const sealed = await sealWrit({ script: { name: 'other.js', bytes: enc(script) }, policy: enc(policy), inputs: new Map(), privateKey: signer.privateKey, now: new Date(), expiresInMs: 60_000, audience: [], limits: {} });
  return runWrit(sealed.writ);
}
