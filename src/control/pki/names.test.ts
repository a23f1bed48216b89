import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../../core/errors.js';
import { checkCaName, checkCommonName, normalizeDnsName, normalizeDnsNames, normalizeIp, normalizeIps } from './names.js';

const invalid = (err: unknown): boolean => hasCode(err, 'OPTION_INVALID');

test('DNS names are lower-cased, de-duplicated, and wildcards, underscores and empty labels refused', () => {
  assert.deepEqual(normalizeDnsNames(['Control.Example', 'control.example', 'localhost']), ['control.example', 'localhost']);
  for (const bad of ['', '*.example.org', 'a..b', '-a.example', 'a-.example', 'bad_name', `${'a'.repeat(64)}.example`, `${'a.'.repeat(127)}ab`, 'a b', 'ex\u0000ample']) {
    assert.throws(() => normalizeDnsName(bad), invalid, JSON.stringify(bad));
  }
});

test('IP addresses get one canonical spelling; zone indices and sloppy forms are refused', () => {
  assert.equal(normalizeIp('127.0.0.1'), '127.0.0.1');
  assert.equal(normalizeIp('0:0:0:0:0:0:0:1'), '::1');
  assert.equal(normalizeIp('::FFFF:1.2.3.4'), '::ffff:102:304');
  assert.deepEqual(normalizeIps(['::1', '0::1']), ['::1']);
  for (const bad of ['fe80::1%eth0', '01.2.3.4', '1.2.3', '256.1.1.1', 'localhost', '']) assert.throws(() => normalizeIp(bad), invalid, bad);
});

test('common names follow the pattern; CA names are printable and short', () => {
  assert.equal(checkCommonName('agent-1.example'), 'agent-1.example');
  for (const bad of ['', '-a', '.a', 'a b', 'a/b', 'a:b', 'a\n']) assert.throws(() => checkCommonName(bad), invalid, JSON.stringify(bad));
  assert.equal(checkCaName('Fleet CA (prod)'), 'Fleet CA (prod)');
  for (const bad of ['', ' lead', 'trail ', 'a\u0007b', 'a\u202eb', 'x'.repeat(65)]) assert.throws(() => checkCaName(bad), invalid, JSON.stringify(bad));
});
