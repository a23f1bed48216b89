/** Subject names and consumer names of the NATS transport (no server needed). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../../core/errors.js';
import { consumerPlan, tagConsumerName } from './consumers.js';
import { resultSubject, runSubject, subjectToken } from './index.js';
import type { NatsTransportOptions } from './options.js';

test('subjectToken: plain names pass unchanged; dots and percent signs are escaped, so no two names share a token', () => {
  assert.equal(subjectToken('web-01_eu'), 'web-01_eu');
  assert.equal(subjectToken('a.b'), 'a%2Eb');
  assert.equal(subjectToken('a%2Eb'), 'a%252Eb');
  assert.equal(subjectToken('100%'), '100%25');
  const names = ['a.b', 'a_b', 'a%2Eb', 'a-b', 'a%b', 'a%25b', 'ab', 'a..b', 'a.%2Eb'];
  const tokens = names.map(subjectToken);
  assert.equal(new Set(tokens).size, names.length, 'distinct names give distinct tokens');
  for (const token of tokens) assert.ok(!token.includes('.'), `${token} is one token`);
});

test('subjectToken: whitespace, wildcards, control and non-ASCII characters, and the empty name are refused', () => {
  for (const bad of ['', 'a b', 'a\tb', 'a\nb', '*', 'web*', '>', 'a>b', 'caf\u00e9', 'a\u0000b', 'a\u007fb', '\u0430pple']) {
    assert.throws(() => subjectToken(bad), (err) => hasCode(err, 'CONFIG_INVALID'), JSON.stringify(bad));
  }
});

test('runSubject and resultSubject: one token per name, a positive sequence, a plain prefix', () => {
  assert.equal(runSubject('writ', { host: 'db.eu' }), 'writ.run.host.db%2Eeu');
  assert.equal(runSubject('writ', { tag: 'web' }), 'writ.run.tag.web');
  assert.equal(resultSubject('writ', 'db.eu', 42), 'writ.result.db%2Eeu.42');
  assert.throws(() => resultSubject('writ', 'h', 0), (err) => hasCode(err, 'CONFIG_INVALID'));
  assert.throws(() => resultSubject('writ', 'h', 1.5), (err) => hasCode(err, 'CONFIG_INVALID'));
  for (const prefix of ['', 'a.', '.a', 'a b', 'wr*t', 'a>']) {
    assert.throws(() => runSubject(prefix, { host: 'h' }), (err) => hasCode(err, 'CONFIG_INVALID'), JSON.stringify(prefix));
  }
});

test('consumer plan: the host under the durable name, one per distinct tag, names that cannot collide', () => {
  const options: NatsTransportOptions = { hostName: 'web.1', tags: ['web', 'eu.west', 'web'], subjectPrefix: 'writ', durable: 'writ-agent-web_1', servers: [], runsStream: 'R', resultsStream: 'S', createStreams: false, maxBytes: 1, stateDir: '/unused' };
  const plan = consumerPlan(options);
  assert.deepEqual(
    plan.map((c) => c.subject),
    ['writ.run.host.web%2E1', 'writ.run.tag.web', 'writ.run.tag.eu%2Ewest'],
  );
  assert.equal(plan[0]?.name, 'writ-agent-web_1');
  for (const c of plan) assert.match(c.name, /^[A-Za-z0-9_-]{1,200}$/);
  assert.notEqual(tagConsumerName('d', subjectToken('a.b')), tagConsumerName('d', subjectToken('a_b')));
  assert.notEqual(tagConsumerName('d1', 'web'), tagConsumerName('d2', 'web'));
  assert.ok(tagConsumerName('x'.repeat(200), 'y'.repeat(300)).length < 200);
  assert.throws(() => consumerPlan({ ...options, durable: 'has.dot' }), (err) => hasCode(err, 'CONFIG_INVALID'));
  assert.throws(() => consumerPlan({ ...options, tags: ['bad tag'] }), (err) => hasCode(err, 'CONFIG_INVALID'));
});
