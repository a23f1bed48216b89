/**
 * The owner's PKI flow and writ's own commands, end to end through the real CLI: keys, signatures and
 * certificates made by openssl at test time, bundles made by GNU tar.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { OpensslPki, type KeyKind } from '../../src/bundle/trust/testing/openssl-pki.js';
import { CLI_COMMAND, writ, type CliResult } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

const dir = tempDir('writ-cli-sealed-');
const pki = OpensslPki.create();
after(() => {
  dir[Symbol.dispose]();
  pki.dispose();
});
const env = { WRIT_STATE_DIR: join(dir.path, 'state') };
const at = (name: string): string => join(dir.path, name);
const run = (args: string[], input?: Buffer): CliResult => writ(args, { env, ...(input ? { input } : {}) });
const report = (r: CliResult): { status: string; result: unknown; error: { code: string; message: string } | null; stdout: string } =>
  JSON.parse(r.stdout) as { status: string; result: unknown; error: { code: string; message: string } | null; stdout: string };

function rejectedWith(r: CliResult, code: string): void {
  assert.equal(r.code, 4, r.stdout + r.stderr);
  assert.equal(report(r).error?.code, code);
}

/** `tar czf bundle.tar.gz script policy` in a fresh folder, as the owner's existing flow does. */
function tarBundle(name: string, files: Record<string, string>, tarArgs: string[] = []): string {
  const src = at(`${name}-src`);
  execFileSync('mkdir', ['-p', src]);
  for (const [file, text] of Object.entries(files)) writeFileSync(join(src, file), text);
  const out = at(`${name}.tar.gz`);
  execFileSync('tar', ['czf', out, ...tarArgs, ...Object.keys(files)], { cwd: src });
  return out;
}

const POLICY = 'permit(principal, action, resource);\n';

describe('the owner PKI flow: tar czf + openssl sign, writ verify/run --bundle --sig --trust', () => {
  for (const kind of ['rsa', 'ec', 'ed25519'] as KeyKind[]) {
    test(`${kind}: verify and run; the same bundle again is REPLAYED unless --allow-rerun`, () => {
      const key = pki.key(`owner-${kind}`, kind);
      const bundle = tarBundle(`flow-${kind}`, { 'script.js': `console.log("${kind}"); 6 * 7`, 'policy.cedar': POLICY });
      const sig = at(`flow-${kind}.sig`);
      writeFileSync(sig, pki.sign(key, bundle));
      const flags = ['--bundle', bundle, '--sig', sig, '--trust', key.publicPath];
      const verified = run(['verify', ...flags]);
      assert.equal(verified.code, 0, verified.stderr);
      const first = run(['run', ...flags]);
      assert.equal(first.code, 0, first.stdout + first.stderr);
      assert.equal(report(first).result, 42);
      assert.equal(report(first).stdout, `${kind}\n`);
      if (kind === 'ed25519') {
        rejectedWith(run(['run', ...flags]), 'REPLAYED');
        assert.equal(run(['run', ...flags, '--allow-rerun']).code, 0);
      }
    });
  }

  test('a one-bit change to the bundle or the openssl signature is SIGNATURE_INVALID; another key is not trusted', () => {
    const key = pki.key('owner-tamper', 'ec');
    const bundle = tarBundle('tamper', { 'script.js': '1', 'policy.cedar': POLICY });
    const sig = pki.sign(key, bundle);
    const badSig = at('tamper-bad.sig');
    writeFileSync(badSig, Buffer.from(sig.map((b, i) => (i === 20 ? b ^ 1 : b))));
    rejectedWith(run(['run', '--bundle', bundle, '--sig', badSig, '--trust', key.publicPath]), 'SIGNATURE_INVALID');
    const goodSig = at('tamper-good.sig');
    writeFileSync(goodSig, sig);
    const other = pki.key('stranger', 'ec');
    rejectedWith(run(['run', '--bundle', bundle, '--sig', goodSig, '--trust', other.publicPath]), 'SIGNATURE_INVALID');
  });

  test('script.rhai is recognised and refused: Rhai not supported yet', () => {
    const key = pki.key('owner-rhai', 'ed25519');
    const bundle = tarBundle('rhai', { 'script.rhai': 'let x = 1;', 'policy.cedar': POLICY });
    writeFileSync(at('rhai.sig'), pki.sign(key, bundle));
    const r = run(['run', '--bundle', bundle, '--sig', at('rhai.sig'), '--trust', key.publicPath]);
    rejectedWith(r, 'LANGUAGE_UNSUPPORTED');
    assert.match(report(r).error?.message ?? '', /Rhai not supported yet/);
  });

  test('a bundle entry escaping with ../ is UNSAFE_PATH, even when properly signed', () => {
    const key = pki.key('owner-unsafe', 'ed25519');
    writeFileSync(at('outside.js'), '1');
    const bundle = tarBundle('unsafe', { 'script.js': '1', 'policy.cedar': POLICY });
    execFileSync('tar', ['czPf', bundle, 'script.js', 'policy.cedar', '../outside.js'], { cwd: at('unsafe-src') });
    writeFileSync(at('unsafe.sig'), pki.sign(key, bundle));
    rejectedWith(run(['run', '--bundle', bundle, '--sig', at('unsafe.sig'), '--trust', key.publicPath]), 'UNSAFE_PATH');
  });
});

describe('writ keygen, seal, verify, run', () => {
  const key = at('owner.pem');

  test('keygen writes a 0600 private key and its public key beside it, and never overwrites', () => {
    const r = writ(['keygen', '--out', key, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { publicKey: string; fingerprint: string };
    assert.equal(out.publicKey, at('owner.pub.pem'));
    assert.match(out.fingerprint, /^sha256:[0-9a-f]{64}$/);
    assert.equal(statSync(key).mode & 0o777, 0o600);
    assert.match(readFileSync(out.publicKey, 'utf8'), /BEGIN PUBLIC KEY/);
    const again = writ(['keygen', '--out', key]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /KEY_EXISTS/);
  });

  test('seal with args, an input and audience; verify --json; run; the same writ again is REPLAYED', () => {
    writeFileSync(at('job.js'), 'console.log(args.who); inputs.read("greeting") + " " + args.who');
    writeFileSync(at('job.cedar'), POLICY);
    writeFileSync(at('job.args.json'), '{"who": "world"}');
    writeFileSync(at('greeting.txt'), 'hello');
    const sealed = writ(['seal', '--script', at('job.js'), '--policy', at('job.cedar'), '--args', at('job.args.json'), '--input', `greeting=${at('greeting.txt')}`, '--key', key, '--audience', 'web1', '--out', at('job.writ'), '--json']);
    assert.equal(sealed.code, 0, sealed.stderr);
    const trust = ['--trust', at('owner.pub.pem'), '--host-name', 'web1'];
    const verified = run(['verify', at('job.writ'), ...trust, '--json']);
    assert.equal(verified.code, 0, verified.stdout);
    const v = JSON.parse(verified.stdout) as { verified: boolean; manifest: { audience: string[] }; signer: { kind: string } };
    assert.deepEqual([v.verified, v.manifest.audience, v.signer.kind], [true, ['web1'], 'key']);
    rejectedWith(run(['run', at('job.writ'), '--trust', at('owner.pub.pem'), '--host-name', 'db1']), 'WRONG_AUDIENCE');
    const ran = run(['run', at('job.writ'), ...trust]);
    assert.equal(ran.code, 0, ran.stdout);
    assert.equal(report(ran).result, 'hello world');
    rejectedWith(run(['run', at('job.writ'), ...trust]), 'REPLAYED');
  });

  test('seal --out - | writ run - (the ssh pipe); manifest limits are capped by the host', () => {
    writeFileSync(at('spin.js'), 'for (;;) {}');
    // Raw bytes through a pipe, as `writ seal ... --out - | ssh host writ run - --trust ...` carries them.
    const bytes = execFileSync(process.execPath, [...CLI_COMMAND, 'seal', '--script', at('spin.js'), '--policy', at('job.cedar'), '--key', key, '--timeout', '600000', '--out', '-']);
    const started = Date.now();
    const r = run(['run', '-', '--trust', at('owner.pub.pem'), '--timeout', '500'], bytes);
    assert.equal(r.code, 5, r.stdout + r.stderr);
    assert.equal(report(r).status, 'timeout');
    // The manifest asked for 10 minutes; the host's --timeout 500 won.
    assert.ok(Date.now() - started < 20_000);
  });

  test('seal --cert: a chain to a trusted CA runs; another CA, or the signer certificate as trust, does not', () => {
    const root = pki.root('cli-root');
    const leaf = pki.leaf('cli-signer', pki.intermediate('cli-intermediate', root));
    const chain = at('chain.pem');
    writeFileSync(chain, readFileSync(leaf.path, 'utf8') + readFileSync(pki.file('cli-intermediate.crt.pem'), 'utf8'));
    const sealed = writ(['seal', '--script', at('job.js'), '--policy', at('job.cedar'), '--key', leaf.key.privatePath, '--cert', chain, '--out', at('chain.writ')]);
    assert.equal(sealed.code, 0, sealed.stderr);
    const verified = run(['verify', at('chain.writ'), '--trust', root.path, '--json']);
    assert.equal(verified.code, 0, verified.stdout);
    assert.equal((JSON.parse(verified.stdout) as { signer: { kind: string } }).signer.kind, 'certificate');
    const otherRoot = pki.root('cli-other-root');
    const wrongCa = run(['verify', at('chain.writ'), '--trust', otherRoot.path, '--json']);
    assert.equal(wrongCa.code, 4);
    assert.equal((JSON.parse(wrongCa.stdout) as { error: { code: string } }).error.code, 'UNTRUSTED_SIGNER');
    // A leaf certificate is never accepted as a CA: refused as a trust file (usage error, exit 2).
    const leafAsTrust = run(['verify', at('chain.writ'), '--trust', leaf.path]);
    assert.equal(leafAsTrust.code, 2);
    assert.match(leafAsTrust.stderr, /TRUST_INVALID/);
    // A key that does not match the certificate is caught when sealing.
    const mismatch = writ(['seal', '--script', at('job.js'), '--policy', at('job.cedar'), '--key', key, '--cert', chain, '--out', at('x.writ')]);
    assert.equal(mismatch.code, 2);
    assert.match(mismatch.stderr, /KEY_CERT_MISMATCH/);
  });

  test('EXPIRED, NOT_YET_VALID, REVOKED, TOO_LARGE, MALFORMED and usage errors', () => {
    const seal = (name: string, extra: string[]): string => {
      const r = writ(['seal', '--script', at('job.js'), '--policy', at('job.cedar'), '--key', key, '--out', at(name), ...extra]);
      assert.equal(r.code, 0, r.stderr);
      return at(name);
    };
    const trust = ['--trust', at('owner.pub.pem')];
    rejectedWith(run(['run', seal('old.writ', ['--not-before', '2020-01-01T00:00:00Z', '--expires', '1h']), ...trust]), 'EXPIRED');
    rejectedWith(run(['run', seal('future.writ', ['--not-before', '2099-01-01T00:00:00Z']), ...trust]), 'NOT_YET_VALID');
    const fingerprint = (JSON.parse(run(['verify', seal('revoked.writ', []), ...trust, '--json']).stdout) as { signer: { fingerprint: string } }).signer.fingerprint;
    writeFileSync(at('revoked.txt'), `# compromised laptop\n${fingerprint}\n`);
    rejectedWith(run(['run', at('revoked.writ'), ...trust, '--revoked', at('revoked.txt')]), 'REVOKED');
    rejectedWith(run(['run', at('revoked.writ'), ...trust, '--max-writ-bytes', '100']), 'TOO_LARGE');
    writeFileSync(at('garbage.writ'), 'not a writ at all');
    rejectedWith(run(['run', at('garbage.writ'), ...trust]), 'MALFORMED');
    const noTrust = run(['run', at('revoked.writ')]);
    assert.equal(noTrust.code, 2);
    assert.match(noTrust.stderr, /TRUST_MISSING/);
    const mixed = run(['run', at('revoked.writ'), ...trust, '--script', at('job.js')]);
    assert.equal(mixed.code, 2);
    assert.match(mixed.stderr, /OPTION_CONFLICT/);
  });
});
