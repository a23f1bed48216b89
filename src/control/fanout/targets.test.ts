import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasCode } from '../../core/errors.js';
import type { AgentRecord } from '../registry/index.js';
import { resolveTargets } from './targets.js';

const agent = (name: string, tags: string[], state: AgentRecord['state'] = 'active'): AgentRecord => ({
  name, tags, address: `${name}:7443`, version: null, certSerial: '01', certNotAfter: '', certFingerprint: '', pairedAt: '', lastSeenAt: null, state,
});
const fleet = [agent('web1', ['web', 'prod']), agent('web2', ['web']), agent('db1', ['prod']), agent('old', ['web'], 'revoked')];
const names = (target: string): string[] => resolveTargets(target, fleet).map((a) => a.name);

test('a host, a tag, all, and lists of them; each agent once, revoked ones never through a tag', () => {
  assert.deepEqual(names('web2'), ['web2']);
  assert.deepEqual(names('tag:web'), ['web1', 'web2']);
  assert.deepEqual(names('tag:prod, web2, web1'), ['web1', 'db1', 'web2']);
  assert.deepEqual(names('all'), ['web1', 'web2', 'db1']);
});

test('unknown, revoked, malformed or empty targets are errors with their own codes', () => {
  const code = (target: string, expected: string): void => assert.throws(() => resolveTargets(target, fleet), (e: unknown) => hasCode(e, expected), target);
  code('web9', 'TARGET_UNKNOWN');
  code('old', 'TARGET_REVOKED');
  code('tag:nothing', 'TARGET_EMPTY');
  code(' , ', 'TARGET_EMPTY');
  code('web1;rm -rf /', 'TARGET_INVALID');
  code('tag:', 'TARGET_INVALID');
});
