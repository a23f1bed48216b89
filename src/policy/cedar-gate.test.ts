import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { AccessRequest } from '../sandbox/gate.js';
import { CedarGate, type GateProblem } from './cedar-gate.js';
import { PolicyError } from './errors.js';
import type { ValidatedPolicy } from './validate.js';
import { ALICE, REX_QUICK_START, dirRequest, executeRequest, fileRequest, policy, urlRequest } from './testing.js';

function gate(text: string, cacheSize?: number, fastPath?: boolean): CedarGate {
  return new CedarGate({
    principal: ALICE,
    policy: policy(text),
    ...(cacheSize === undefined ? {} : { cacheSize }),
    ...(fastPath === undefined ? {} : { fastPath }),
  });
}

test("REX's quick-start policy: allows exactly what it names", () => {
  const g = gate(REX_QUICK_START);
  assert.equal(g.authorize(dirRequest('open', '/tmp')), 'allow');
  for (const a of ['open', 'read', 'write', 'create']) assert.equal(g.authorize(fileRequest(a, '/tmp/rex-hello-world')), 'allow', a);
  assert.equal(g.authorize(fileRequest('read', '/tmp/other')), 'deny');
  assert.equal(g.authorize(fileRequest('read', '/etc/shadow')), 'deny');
  assert.equal(g.authorize(fileRequest('delete', '/tmp/rex-hello-world')), 'deny');
  assert.equal(g.authorize(dirRequest('read', '/tmp')), 'deny');
  g.dispose();
});

test('resource in Dir matches a File deep below it through the ancestor chain', () => {
  const g = gate('permit(principal, action == file_system::Action::"read", resource in file_system::Dir::"/var/log");');
  assert.equal(g.authorize(fileRequest('read', '/var/log/nginx/2024/01/access.log')), 'allow');
  assert.equal(g.authorize(dirRequest('read', '/var/log/nginx')), 'allow');
  assert.equal(g.authorize(fileRequest('read', '/var/logs/x')), 'deny');
  assert.equal(g.authorize(fileRequest('read', '/var/x.log')), 'deny');
  // Without the ancestors in the request, `in` cannot see the file is below /var/log.
  const bare = fileRequest('read', '/var/log/nginx/access.log');
  assert.equal(g.authorize({ ...bare, entities: bare.entities.slice(0, 1) }), 'deny');
  g.dispose();
});

test('action groups: `action in SafeIO` covers every file-system action', () => {
  const g = gate('permit(principal, action in file_system::Action::"SafeIO", resource in file_system::Dir::"/srv");');
  assert.equal(g.authorize(fileRequest('chmod', '/srv/a')), 'allow');
  assert.equal(g.authorize(urlRequest('GET', 'https://example.com/')), 'deny');
  g.dispose();
});

test('fail closed, first line of defence: a forbid on an attribute that does not exist never validates', () => {
  assert.throws(
    () => policy('permit(principal, action, resource);\nforbid(principal, action, resource) when { resource.nonexistent == "x" };'),
    (e: unknown) => e instanceof PolicyError && e.code === 'POLICY_INVALID' && e.line === 2,
  );
});

// Cedar skips a forbid whose evaluation errors, so these answers would be allow without the
// diagnostics.errors check in CedarGate. Each policy validates; the error only happens at run time.
test('fail closed: a forbid that errors at run time denies (missing entity)', () => {
  const problems: GateProblem[] = [];
  const g = new CedarGate({
    principal: ALICE,
    policy: policy(`permit(principal, action, resource);
forbid(principal, action == file_system::Action::"execute", resource) when { context.arguments.flags.contains("-rf") };
forbid(principal, action, resource is file_system::File) when { resource.path == "/etc/shadow" };`),
    onProblem: (p) => problems.push(p),
  });
  const shadow = fileRequest('read', '/etc/shadow');
  assert.equal(g.authorize(shadow), 'deny');
  // The resource entity is left out, so `resource.path` errors and the forbid would be skipped.
  assert.equal(g.authorize({ ...shadow, entities: shadow.entities.slice(1) }), 'deny');
  assert.equal(problems.at(-1)?.kind, 'evaluation-error');
  // The Arguments entity is left out, so `.flags` errors.
  const exec = executeRequest('/bin/rm', { flags: ['-rf'] });
  assert.equal(g.authorize(exec), 'deny');
  const safe = executeRequest('/bin/ls', { flags: ['-l'] });
  assert.equal(g.authorize(safe), 'allow');
  assert.equal(g.authorize({ ...exec, entities: exec.entities.filter((e) => e.uid.type !== 'file_system::Arguments') }), 'deny');
  g.dispose();
});

test('fail closed: a forbid that overflows denies', () => {
  const g = gate(`permit(principal, action, resource);
forbid(principal, action == file_system::Action::"execute", resource) when { context.user.uid + 9223372036854775807 > 0 };`);
  assert.equal(g.authorize(executeRequest('/bin/true')), 'deny');
  g.dispose();
});

test('fail closed: requests that do not match the schema or Cedar values deny', () => {
  const g = gate('permit(principal, action, resource);');
  const ok = fileRequest('read', '/tmp/a');
  assert.equal(g.authorize(ok), 'allow');
  const [file, ...rest] = ok.entities;
  const variants: AccessRequest[] = [
    { ...ok, entities: [{ ...file!, attrs: { path: 5 } }, ...rest] },
    { ...ok, entities: [{ ...file!, attrs: { path: '/tmp/a', extra: 'x' } }, ...rest] },
    { ...ok, entities: [{ ...file!, attrs: {} }, ...rest] },
    { ...ok, context: { unexpected: 'x' } },
    { ...ok, action: { type: 'file_system::Action', id: 'reed' } },
    { ...ok, action: { type: 'file_system::Action', id: 'write' }, resource: { type: 'file_system::Dir', id: '/tmp' }, entities: rest },
    { ...ok, resource: { type: 'file_system::Nope', id: '/tmp/a' } },
    // Values Cedar cannot hold exactly are refused before Cedar sees them.
    { ...executeRequest('/bin/x'), context: { ...executeRequest('/bin/x').context, user: { username: 'a', uid: 1.5 } } },
    { ...ok, context: { n: Number.NaN } },
    // An own `__proto__` key (as JSON.parse makes) must reach Cedar, not vanish into a prototype.
    { ...ok, context: JSON.parse('{"__proto__": "x"}') as Record<string, string> },
    { ...ok, context: { x: { __extn: { fn: 'ip', arg: '1.2.3.4' } } } },
    // The principal cannot be redefined with parents.
    { ...ok, entities: [...ok.entities, { uid: ALICE, attrs: {}, parents: [{ type: 'User', id: 'root' }] }] },
    // Two different definitions of one entity.
    { ...ok, entities: [...ok.entities, { ...file!, attrs: { path: '/other' } }] },
  ];
  for (const [i, v] of variants.entries()) assert.equal(g.authorize(v), 'deny', `variant ${i}`);
  g.dispose();
});

test('cache: same answers with and without it, and repeated requests skip Cedar', () => {
  const text = `${REX_QUICK_START}forbid(principal, action == file_system::Action::"write", resource) when { resource.path like "*secret*" };`;
  // Cedar only here, so cedarCalls counts misses; the fast path is counted in the next test.
  const cached = gate(text, undefined, false);
  const uncached = gate(text, 0, false);
  const requests = [
    dirRequest('open', '/tmp'),
    fileRequest('read', '/tmp/rex-hello-world'),
    fileRequest('write', '/tmp/rex-hello-world'),
    fileRequest('read', '/etc/shadow'),
    fileRequest('write', '/tmp/secret'),
  ];
  for (let round = 0; round < 3; round++) {
    for (const r of requests) assert.equal(cached.authorize(r), uncached.authorize(r));
  }
  assert.deepEqual(cached.stats(), { decisions: 15, cacheHits: 10, cedarCalls: 5, fastPathDecisions: 0 });
  assert.deepEqual(uncached.stats(), { decisions: 15, cacheHits: 0, cedarCalls: 15, fastPathDecisions: 0 });
  // Key order in the request does not matter; a different entity set is a different request.
  const r = fileRequest('read', '/tmp/rex-hello-world');
  assert.equal(cached.authorize({ context: r.context, entities: r.entities, resource: r.resource, action: r.action }), 'allow');
  assert.equal(cached.stats().cacheHits, 11);
  assert.equal(cached.authorize({ ...r, entities: r.entities.slice(0, 1) }), 'allow');
  assert.equal(cached.stats().cedarCalls, 6);
  cached.dispose();
  uncached.dispose();
});

test('the fast path decides before the cache (cheaper than the key); the cache serves Cedar decisions', () => {
  const g = gate(`${REX_QUICK_START}forbid(principal, action == file_system::Action::"write", resource) when { resource.path like "*secret*" };`);
  assert.equal(g.fastPathUnavailable, null);
  const requests = [fileRequest('read', '/tmp/rex-hello-world'), fileRequest('write', '/tmp/secret'), dirRequest('open', '/tmp')];
  for (let round = 0; round < 2; round++) for (const r of requests) g.authorize(r);
  assert.deepEqual(g.stats(), { decisions: 6, cacheHits: 0, cedarCalls: 0, fastPathDecisions: 6 });
  // A request the fast path leaves to Cedar (an attribute the schema does not declare) is cached.
  const odd = fileRequest('read', '/tmp/x');
  const [file, ...rest] = odd.entities;
  const refused = { ...odd, entities: [{ ...file!, attrs: { path: '/tmp/x', extra: 'y' } }, ...rest] };
  for (let round = 0; round < 2; round++) assert.equal(g.authorize(refused), 'deny');
  assert.deepEqual(g.stats(), { decisions: 8, cacheHits: 1, cedarCalls: 1, fastPathDecisions: 6 });
  g.dispose();
});

test('cache is bounded', () => {
  const g = gate('permit(principal, action, resource);', 2);
  for (const p of ['/a', '/b', '/c', '/a']) g.authorize(fileRequest('read', p));
  assert.equal(g.stats().cacheHits, 0);
  g.dispose();
});

test('gates are independent, and a disposed gate denies', () => {
  const allowAll = gate('permit(principal, action, resource);');
  const denyAll = gate('');
  const r = fileRequest('read', '/tmp/a');
  assert.equal(allowAll.authorize(r), 'allow');
  assert.equal(denyAll.authorize(r), 'deny');
  allowAll.dispose();
  allowAll.dispose();
  assert.equal(allowAll.authorize(r), 'deny');
  // A new gate may reuse the released preparsed slot; the old one must stay dead.
  const next = gate('permit(principal, action, resource);');
  assert.equal(next.authorize(r), 'allow');
  assert.equal(allowAll.authorize(r), 'deny');
  assert.equal(denyAll.authorize(r), 'deny');
  next.dispose();
  denyAll.dispose();
});

test('the principal is User::<name> and only validated policies are accepted', () => {
  const p = policy('permit(principal == User::"alice", action, resource);');
  const alice = new CedarGate({ principal: ALICE, policy: p });
  const bob = new CedarGate({ principal: { type: 'User', id: 'bob' }, policy: p });
  assert.equal(alice.authorize(fileRequest('read', '/x')), 'allow');
  assert.equal(bob.authorize(fileRequest('read', '/x')), 'deny');
  alice.dispose();
  bob.dispose();
  assert.throws(() => new CedarGate({ principal: { type: 'Admin', id: 'x' }, policy: p }), TypeError);
  const forged = { source: { path: 'x', text: '' }, policies: { a: 'permit(principal, action, resource);' }, warnings: [] };
  assert.throws(() => new CedarGate({ principal: ALICE, policy: forged as unknown as ValidatedPolicy }), TypeError);
});
