/** `writ control init`: what it creates, what it prints, and that it never overwrites a CA. */
import assert from 'node:assert/strict';
import { X509Certificate, createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { writ } from '../support/cli.js';
import { tempDir } from '../support/temp.js';

const CA_FILES = ['ca.key', 'ca.pem', 'serials', 'control.key', 'control.pem'];

function fingerprintOf(pemFile: string): string {
  return `sha256:${createHash('sha256').update(new X509Certificate(readFileSync(pemFile)).raw).digest('hex')}`;
}

test('init in the default directory (<state dir>/control) prints what it made; a second init exits 2 with CA_EXISTS and changes nothing', () => {
  using state = tempDir();
  const env = { WRIT_STATE_DIR: state.path, WRIT_CONTROL_DIR: '' };
  const dir = join(state.path, 'control');
  const first = writ(['control', 'init'], { env });
  assert.equal(first.code, 0, first.stderr);
  for (const name of CA_FILES) assert.ok(existsSync(join(dir, name)), name);
  assert.equal(statSync(join(dir, 'ca.key')).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'control.key')).mode & 0o777, 0o600);
  assert.ok(first.stdout.includes(join(dir, 'ca.pem')));
  assert.ok(first.stdout.includes(fingerprintOf(join(dir, 'ca.pem'))));
  assert.match(first.stdout, /DNS:localhost, IP:127\.0\.0\.1/);
  assert.match(first.stdout, /valid +\d{4}-\d\d-\d\dT.* to \d{4}-/);

  const before = CA_FILES.map((name) => readFileSync(join(dir, name)));
  const second = writ(['control', 'init'], { env });
  assert.equal(second.code, 2);
  assert.match(second.stderr, /CA_EXISTS/);
  assert.equal(second.stdout, '');
  assert.deepEqual(CA_FILES.map((name) => readFileSync(join(dir, name))), before);
});

test('init --json honours $WRIT_CONTROL_DIR and every option', () => {
  using root = tempDir();
  const dir = join(root.path, 'ctl');
  const res = writ(
    ['control', 'init', '--json', '--key-type', 'ed25519', '--name', 'Fleet CA', '--validity-days', '30', '--dns', 'control.example', '--dns', 'ctl.example', '--ip', '10.1.2.3', '--ip', '::1'],
    { env: { WRIT_CONTROL_DIR: dir } },
  );
  assert.equal(res.code, 0, res.stderr);
  const out = JSON.parse(res.stdout) as {
    dir: string;
    name: string;
    keyType: string;
    fingerprint: string;
    notBefore: string;
    notAfter: string;
    files: Record<string, string>;
    control: { dnsNames: string[]; ips: string[]; notAfter: string };
  };
  assert.equal(out.dir, dir);
  assert.equal(out.name, 'Fleet CA');
  assert.equal(out.keyType, 'ed25519');
  assert.equal(out.fingerprint, fingerprintOf(join(dir, 'ca.pem')));
  assert.deepEqual(out.files, { caCert: join(dir, 'ca.pem'), caKey: join(dir, 'ca.key'), serials: join(dir, 'serials'), controlCert: join(dir, 'control.pem'), controlKey: join(dir, 'control.key') });
  assert.deepEqual(out.control.dnsNames, ['control.example', 'ctl.example']);
  assert.deepEqual(out.control.ips, ['10.1.2.3', '::1']);
  const days = (Date.parse(out.notAfter) - Date.parse(out.notBefore)) / 86_400_000;
  assert.ok(days > 30 && days < 30.01, String(days));
  // The control certificate cannot outlive a 30-day CA.
  assert.equal(out.control.notAfter, out.notAfter);
  const ca = new X509Certificate(readFileSync(join(dir, 'ca.pem')));
  assert.equal(ca.subject, 'CN=Fleet CA');
  assert.equal(ca.publicKey.asymmetricKeyType, 'ed25519');
  const control = new X509Certificate(readFileSync(join(dir, 'control.pem')));
  assert.ok(control.verify(ca.publicKey));
  assert.equal(control.checkHost('ctl.example'), 'ctl.example');
  assert.equal(control.checkIP('::1'), '::1');
});

test('usage errors exit 2 and create nothing; --help exits 0', () => {
  using root = tempDir();
  const dir = join(root.path, 'ctl');
  for (const args of [
    ['--validity-days', '10x'],
    ['--key-type', 'rsa'],
    ['--dns', '*.example.org'],
  ]) {
    const res = writ(['control', 'init', '--dir', dir, ...args]);
    assert.equal(res.code, 2, args.join(' '));
    assert.ok(res.stderr.length > 0);
  }
  assert.equal(existsSync(join(dir, 'ca.key')), false);
  const help = writ(['control', 'init', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--key-type <type>/);
  assert.match(help.stdout, /--validity-days <n>/);
});
