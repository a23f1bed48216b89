import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { hasCode } from '../../core/errors.js';
import { loadAgentConfig } from './load.js';

const dir = mkdtempSync(join(tmpdir(), 'writ-config-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
});
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

test('the documented example in deploy/ loads, with every default as documented', () => {
  const config = loadAgentConfig(fileURLToPath(new URL('../../../deploy/agent.example.yaml', import.meta.url)));
  assert.deepEqual(config.trust, { paths: ['/etc/writ/trusted'], clockSkewSeconds: 60, allowRerun: false, maxWritBytes: 67108864 });
  assert.deepEqual(config.limits, { timeout: 30000, memory: 64, maxOps: 100000, maxOutput: 1048576 });
  assert.equal(config.https?.listen, '127.0.0.1:7443');
  assert.equal(config.runs.queue, 1000);
});

test('YAML and TOML give the same config; relative paths are relative to the file', () => {
  const yaml = loadAgentConfig(file('a.yaml', 'trust:\n  paths: [keys]\nceiling: ceiling.cedar\n'));
  const toml = loadAgentConfig(file('a.toml', 'ceiling = "ceiling.cedar"\n[trust]\npaths = ["keys"]\n'));
  assert.deepEqual(yaml, toml);
  assert.deepEqual(yaml.trust.paths, [join(dir, 'keys')]);
  assert.equal(yaml.ceiling, join(dir, 'ceiling.cedar'));
  assert.equal(yaml.https, undefined);
});

test('mistakes are CONFIG_INVALID naming the field; a missing file is CONFIG_NOT_FOUND', () => {
  const invalid = (text: string, name = 'bad.yaml'): void => {
    assert.throws(() => loadAgentConfig(file(name, text)), (e: unknown) => hasCode(e, 'CONFIG_INVALID'), text);
  };
  invalid('trust:\n  paths: []\n');
  invalid('trust:\n  paths: [k]\n  pathz: [k]\n');
  invalid('trust:\n  paths: [k]\nlimits:\n  timeout: -1\n');
  invalid('trust:\n  paths: [k]\nhttps:\n  listen: 127.0.0.1:7443\n');
  invalid('trust:\n  paths: [k]\ns3:\n  bucket: No_Such_Bucket\n');
  invalid('trust:\n  paths: [k]\ns3:\n  bucket: writs\n  inboxPrefix: /abs/\n');
  invalid('trust:\n  paths: [k]\nnats:\n  servers: [http://127.0.0.1:4222]\n');
  invalid('trust:\n  paths: [k]\nnats:\n  subjectPrefix: a.b\n');
  invalid('trust: [\n');
  invalid('x = = 1', 'bad.toml');
  invalid('trust:\n  paths: [k]\n', 'bad.ini');
  assert.throws(() => loadAgentConfig(join(dir, 'missing.yaml')), (e: unknown) => hasCode(e, 'CONFIG_NOT_FOUND'));
  // The message names the field, so an operator knows where to look.
  assert.throws(() => loadAgentConfig(file('field.yaml', 'trust:\n  paths: [k]\nruns:\n  queue: lots\n')), /runs\.queue/);
});

test('s3 and nats sections take their documented defaults; nats file paths are relative to the config', () => {
  const config = loadAgentConfig(file('brokers.yaml', 'trust:\n  paths: [k]\ns3:\n  bucket: writs\nnats:\n  tokenFile: nats.token\n  tls:\n    ca: ca.pem\n'));
  assert.deepEqual(config.s3, { region: 'us-east-1', bucket: 'writs', forcePathStyle: false, inboxPrefix: 'inbox/', outboxPrefix: 'outbox/', pollMs: 1000, logFlushMs: 1000 });
  assert.deepEqual(config.nats, {
    servers: ['nats://127.0.0.1:4222'],
    subjectPrefix: 'writ',
    runsStream: 'WRIT_RUNS',
    resultsStream: 'WRIT_RESULTS',
    createStreams: false,
    tokenFile: join(dir, 'nats.token'),
    tls: { ca: join(dir, 'ca.pem') },
  });
});

test('https.clientUri defaults to writ:control; a URI Node would show escaped (so never match) is refused', () => {
  const https = (extra: string): string => `trust:\n  paths: [k]\nhttps:\n  cert: c.pem\n  key: k.pem\n  clientCa: ca.pem\n${extra}`;
  assert.equal(loadAgentConfig(file('uri.yaml', https(''))).https?.clientUri, 'writ:control');
  assert.equal(loadAgentConfig(file('uri2.yaml', https('  clientUri: "writ:control-eu"\n'))).https?.clientUri, 'writ:control-eu');
  for (const bad of ['""', '"writ:control, URI:x"', '"no-scheme"', '"writ:con trol"']) {
    assert.throws(() => loadAgentConfig(file('uri-bad.yaml', https(`  clientUri: ${bad}\n`))), (e: unknown) => hasCode(e, 'CONFIG_INVALID'), bad);
  }
});
