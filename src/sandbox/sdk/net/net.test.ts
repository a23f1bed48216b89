import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hasCode } from '../../../core/errors.js';
import { AccessDeniedError, LimitExceededError } from '../../errors.js';
import type { HostFunction } from '../../host-api.js';
import type { SdkContext } from '../context.js';
import { SyncCaller } from '../sync-call/index.js';
import { allowAction, RecordingGate, testContext } from '../testing/recording-gate.js';
import { startTestServer, type TestServer } from '../testing/http-server.js';
import { createNetModule } from './index.js';

const GET = 'network::Action::"GET"';
const RESOLVE = 'sysinfo::Action::"resolve_hostname"';

function code(expected: string): (err: unknown) => boolean {
  return (err) => hasCode(err, expected);
}

function denied(action: string, resource: string): (err: unknown) => boolean {
  return (err) => err instanceof AccessDeniedError && err.action === action && err.resource === resource;
}

describe('net', () => {
  let a: TestServer;
  let b: TestServer;
  const caller = new SyncCaller();
  before(async () => {
    a = await startTestServer();
    b = await startTestServer();
  });
  after(async () => {
    caller.dispose();
    await a.close();
    await b.close();
  });

  function setup(rules: Parameters<RecordingGate['allow']>[0][], options: Parameters<typeof testContext>[1] = {}) {
    const gate = new RecordingGate(rules);
    const ctx: SdkContext = testContext(gate, options);
    const mod = createNetModule(ctx, caller);
    return { gate, ctx, get: mod.get as HostFunction, resolve: mod.resolve as HostFunction };
  }

  describe('get', () => {
    test('allowed: returns status, headers, UTF-8 body; asks GET on the url entity', () => {
      const { gate, get } = setup([allowAction(GET)]);
      const url = `${a.base}/ok`;
      const res = get(url) as { status: number; headers: Record<string, string>; body: string; url: string };
      assert.equal(res.status, 200);
      assert.equal(res.body, 'hello \u2713');
      assert.equal(res.headers['x-test'], 'yes');
      assert.equal(res.url, url);
      assert.deepEqual(gate.pairs(), [`${GET} network::url::${JSON.stringify(url)}`]);
      const entity = gate.asked[0]?.request.entities[0];
      assert.deepEqual(entity, { uid: { type: 'network::url', id: url }, attrs: { url }, parents: [] });
    });

    test('denied: AccessDenied with action and resource, and the server is never contacted', async () => {
      const { get } = setup([]);
      const url = `${a.base}/ok?denied-direct`;
      assert.throws(() => get(url), denied(GET, `network::url::${JSON.stringify(url)}`));
      assert.ok(!(await a.hits()).includes('/ok?denied-direct'));
    });

    test('non-200 statuses are returned, not thrown', () => {
      const { get } = setup([allowAction(GET)]);
      assert.equal((get(`${a.base}/status?code=503`) as { status: number }).status, 503);
    });

    test('the authorized URL is the canonical one actually requested', () => {
      const { gate, get } = setup([allowAction(GET)]);
      const res = get(`${a.base.replace('http://', 'HTTP://')}/x/../ok#fragment`) as { url: string };
      assert.equal(res.url, `${a.base}/ok`);
      assert.deepEqual(gate.pairs(), [`${GET} network::url::${JSON.stringify(`${a.base}/ok`)}`]);
    });

    test('a redirect is authorized again before it is followed', async () => {
      const { gate, get } = setup([allowAction(GET)]);
      const start = `${a.base}/redirect?to=${encodeURIComponent('/ok?after-redirect')}`;
      const res = get(start) as { status: number; body: string; url: string };
      assert.equal(res.status, 200);
      assert.equal(res.url, `${a.base}/ok?after-redirect`);
      assert.deepEqual(gate.asked.map((q) => q.resource), [
        `network::url::${JSON.stringify(start)}`,
        `network::url::${JSON.stringify(`${a.base}/ok?after-redirect`)}`,
      ]);
      assert.ok((await a.hits()).includes('/ok?after-redirect'));
    });

    test('ADVERSARIAL: a redirect from an allowed URL to a denied one is denied and never requested', async () => {
      const target = `${b.base}/ok?secret`;
      const start = `${a.base}/redirect?to=${encodeURIComponent(target)}`;
      const { gate, get } = setup([allowAction(GET, start)]);
      assert.throws(() => get(start), denied(GET, `network::url::${JSON.stringify(target)}`));
      assert.deepEqual(gate.asked.map((q) => q.decision), ['allow', 'deny']);
      assert.deepEqual(await b.hits(), []);
    });

    test('ADVERSARIAL: a redirect loop stops after 5 redirects', async () => {
      const before = (await a.hits()).filter((h) => h === '/loop').length;
      const { gate, get } = setup([allowAction(GET)]);
      assert.throws(() => get(`${a.base}/loop`), code('TOO_MANY_REDIRECTS'));
      assert.equal(gate.asked.length, 6);
      assert.equal((await a.hits()).filter((h) => h === '/loop').length - before, 6);
    });

    test('a chain of exactly 5 redirects is followed; each hop costs one op', () => {
      const { get, ctx } = setup([allowAction(GET)]);
      const res = get(`${a.base}/chain/5`) as { body: string };
      assert.equal(res.body, 'end of chain');
      assert.equal(ctx.budget.used, 6);
    });

    test('ADVERSARIAL: a redirect to a non-HTTP scheme is refused', () => {
      const { gate, get } = setup([allowAction(GET)]);
      assert.throws(() => get(`${a.base}/redirect?to=${encodeURIComponent('file:///etc/passwd')}`), code('UNSUPPORTED_SCHEME'));
      assert.equal(gate.asked.length, 1);
    });

    test('ADVERSARIAL: credentials are not forwarded to another origin on redirect', () => {
      const { get } = setup([allowAction(GET)]);
      const headers = { authorization: 'Bearer s3cret', 'x-custom': 'kept' };
      const same = get(`${a.base}/redirect?to=${encodeURIComponent('/echo-headers')}`, { headers }) as { body: string };
      assert.equal((JSON.parse(same.body) as Record<string, string>).authorization, 'Bearer s3cret');
      const cross = get(`${a.base}/redirect?to=${encodeURIComponent(`${b.base}/echo-headers`)}`, { headers }) as { body: string };
      const seen = JSON.parse(cross.body) as Record<string, string>;
      assert.equal(seen.authorization, undefined);
      assert.equal(seen['x-custom'], 'kept');
    });

    test('ADVERSARIAL: a huge body is capped (streamed and declared)', () => {
      const { get } = setup([allowAction(GET)], { maxReadBytes: 1024 * 1024 });
      assert.throws(() => get(`${a.base}/big?n=${20 * 1024 * 1024}`), code('RESPONSE_TOO_LARGE'));
      assert.throws(() => get(`${a.base}/big?n=${20 * 1024 * 1024}&declared=1`), code('RESPONSE_TOO_LARGE'));
      const exact = get(`${a.base}/big?n=${1024 * 1024}`) as { body: string };
      assert.equal(exact.body.length, 1024 * 1024);
    });

    test('ADVERSARIAL: userinfo URLs, other schemes and bad input are refused before the gate is asked', () => {
      const { gate, get } = setup([allowAction(GET)]);
      assert.throws(() => get(`http://127.0.0.1@${a.base.slice(7)}/ok`), code('INVALID_URL'));
      assert.throws(() => get('file:///etc/passwd'), code('UNSUPPORTED_SCHEME'));
      assert.throws(() => get('not a url'), code('INVALID_URL'));
      assert.throws(() => get(42), code('INVALID_ARGUMENT'));
      assert.throws(() => get(`${a.base}/ok`, { header: {} }), code('INVALID_ARGUMENT'));
      assert.equal(gate.asked.length, 0);
    });

    test('ADVERSARIAL: Host override and header injection are refused', () => {
      const { get } = setup([allowAction(GET)]);
      assert.throws(() => get(`${a.base}/ok`, { headers: { Host: 'evil.example' } }), code('INVALID_ARGUMENT'));
      assert.throws(() => get(`${a.base}/ok`, { headers: { 'x-a': 'v\r\nX-Injected: 1' } }), code('INVALID_ARGUMENT'));
      assert.throws(() => get(`${a.base}/ok`, { headers: { 'bad name': 'v' } }), code('INVALID_ARGUMENT'));
    });

    test('custom headers are sent', () => {
      const { get } = setup([allowAction(GET)]);
      const res = get(`${a.base}/echo-headers`, { headers: { 'X-Token': 'abc' } }) as { body: string };
      assert.equal((JSON.parse(res.body) as Record<string, string>)['x-token'], 'abc');
    });

    test('a hanging server is cut off at the deadline', () => {
      const { get } = setup([allowAction(GET)], { timeoutMs: 300 });
      assert.throws(() => get(`${a.base}/hang`), (err: unknown) => err instanceof LimitExceededError && err.code === 'TIMEOUT');
    });

    test('each call spends the budget', () => {
      const { get } = setup([allowAction(GET)], { maxOps: 1 });
      get(`${a.base}/ok`);
      assert.throws(() => get(`${a.base}/ok`), code('OPS_LIMIT'));
    });
  });

  describe('resolve', () => {
    test('allowed: resolves localhost; asks resolve_hostname on the Hostname entity', () => {
      const { gate, resolve } = setup([allowAction(RESOLVE, 'localhost')]);
      const addresses = resolve('LocalHost.') as string[];
      assert.ok(addresses.some((x) => x === '127.0.0.1' || x === '::1'), String(addresses));
      assert.deepEqual(gate.pairs(), [`${RESOLVE} sysinfo::Hostname::"localhost"`]);
      assert.deepEqual(gate.asked[0]?.request.entities, [
        { uid: { type: 'sysinfo::Hostname', id: 'localhost' }, attrs: { hostname: 'localhost' }, parents: [] },
      ]);
    });

    test('denied: AccessDenied', () => {
      const { resolve } = setup([]);
      assert.throws(() => resolve('localhost'), denied(RESOLVE, 'sysinfo::Hostname::"localhost"'));
    });

    test('invalid host names are refused before the gate is asked', () => {
      const { gate, resolve } = setup([allowAction(RESOLVE)]);
      for (const bad of ['', 'a b', 'host%00', '-x.example', 'x'.repeat(64) + '.com', '[::1]', 7]) {
        assert.throws(() => resolve(bad), code('INVALID_ARGUMENT'), String(bad));
      }
      assert.equal(gate.asked.length, 0);
    });
  });
});
