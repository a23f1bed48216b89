import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { selfCheck } from './self-check.js';

const dir = mkdtempSync(join(tmpdir(), 'writ-self-check-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});
const at = (name: string): string => join(dir, name);
writeFileSync(at('owner.pem'), generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
for (const name of ['a', 'b']) {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', at(`${name}.key`), '-out', at(`${name}.crt`), '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
}
const config = (name: string, extra: string): string => {
  writeFileSync(at(name), `trust:\n  paths: [owner.pem]\nstateDir: state\n${extra}`);
  return at(name);
};
const failing = async (path: string): Promise<string[]> => (await selfCheck(path)).filter((l) => !l.ok).map((l) => l.name);

test('a sound configuration passes every line', async () => {
  const lines = await selfCheck(config('ok.yaml', 'https:\n  listen: 127.0.0.1:0\n  cert: a.crt\n  key: a.key\ndirDrop:\n  inbox: in\n  outbox: out\n'));
  assert.deepEqual(lines.filter((l) => !l.ok), []);
  assert.deepEqual(lines.map((l) => l.name), ['config', 'trust, revocations, ceiling', 'state dir', 'run store', 'replay store', 'dir-drop', 'https certificate', 'https listen']);
});

test('each broken part fails its own line, and only that one', async () => {
  assert.deepEqual(await failing(config('mismatch.yaml', 'https:\n  listen: 127.0.0.1:0\n  cert: a.crt\n  key: b.key\n')), ['https certificate']);
  assert.deepEqual(await failing(config('none.yaml', '')), ['transports']);
  assert.deepEqual(await failing(config('same.yaml', 'dirDrop:\n  inbox: x\n  outbox: x\n')), ['dir-drop']);
  symlinkSync(dir, at('link'));
  assert.deepEqual(await failing(config('link.yaml', 'dirDrop:\n  inbox: link\n  outbox: out2\n')), ['dir-drop']);
  writeFileSync(at('bad.yaml'), 'trust: {paths: []}\n');
  assert.deepEqual(await failing(at('bad.yaml')), ['config']);
});

test('the object store and the broker are reached and listed: a closed port fails their lines, a live NATS passes', async () => {
  // Nothing listens on port 1 of loopback: both probes must say so, quickly, rather than hang.
  const down = await selfCheck(config('down.yaml', 's3:\n  endpoint: http://127.0.0.1:1\n  bucket: writs\n  forcePathStyle: true\nnats:\n  servers: [nats://127.0.0.1:1]\n'));
  assert.deepEqual(down.filter((l) => !l.ok).map((l) => l.name), ['s3', 'nats']);
  assert.match(down.find((l) => l.name === 'nats')?.detail ?? '', /^TRANSPORT_UNAVAILABLE/);
  // The real nats-server of this machine (CI starts it); createStreams: true means missing streams are fine.
  const live = await selfCheck(config('live.yaml', 'nats:\n  servers: [nats://127.0.0.1:4222]\n  createStreams: true\n'));
  assert.deepEqual(live.filter((l) => !l.ok), []);
  // A token file that cannot be read is that line's failure, not a crash of the whole check.
  const noToken = await selfCheck(config('notoken.yaml', 'nats:\n  servers: [nats://127.0.0.1:4222]\n  tokenFile: missing.token\n'));
  assert.deepEqual(noToken.filter((l) => !l.ok).map((l) => l.name), ['nats']);
});
