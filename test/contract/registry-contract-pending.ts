/**
 * The registry contract's cases for what a pending request carries (tags, address, version) and the
 * list of pending requests: what lets any control host sharing the registry approve any request.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PairingRequest, Registry } from '../../src/control/registry/index.js';
import { CSR_PEM, addRequest, approval, at, iso, rejectsWithCode, uniqueName, type RegistryHarness } from './registry-fixtures.js';

/** Far after every other case's requests (which expire by at(1200)), so this window holds only ours. */
const BASE = 10_000_000;

export function registryPendingCases(current: () => RegistryHarness): void {
  const registry = (): Registry => current().registry;

  describe('pending requests', () => {
    test('tags, address and version round-trip through every read, checked like an agent\'s', async () => {
      const agentName = uniqueName('fields');
      const tags = ['web', "' OR 1=1 --", '{a,b}', 'ünïcødé ✓', 'web'];
      const request = await addRequest(registry(), agentName, { tags, address: '[2001:db8::7]:7443', version: '1.2.3-rc.1' });
      const expected: PairingRequest = {
        id: request.id, agentName, csrPem: CSR_PEM, code: request.code, tags: tags.slice(0, 4), address: '[2001:db8::7]:7443', version: '1.2.3-rc.1',
        requestedAt: iso(0), expiresAt: request.expiresAt, state: 'pending', certPem: null,
      };
      assert.deepEqual(request, expected, 'duplicates dropped, order kept');
      assert.deepEqual(await registry().getPairingRequest(request.id, at(1)), expected);
      assert.deepEqual(await registry().findPairingByCode(request.code, at(1)), expected);
      assert.deepEqual((await registry().listPendingPairings(at(1))).find((r) => r.id === request.id), expected);
      const versionless = await addRequest(registry(), uniqueName('fields'), { tags: [], version: null });
      assert.deepEqual([versionless.tags, versionless.version], [[], null]);
      assert.deepEqual((await registry().getPairingRequest(versionless.id, at(1)))?.version, null);

      for (const address of ['evil.example:443/path', 'user@host:443', 'host', 'host:0', '', 'http://host:443']) {
        await rejectsWithCode(addRequest(registry(), uniqueName('bad'), { address }), 'RECORD_INVALID');
      }
      for (const tags of [['line\nbreak'], [''], ['x'.repeat(129)], Array.from({ length: 65 }, (_, i) => `t${i}`)]) {
        await rejectsWithCode(addRequest(registry(), uniqueName('bad'), { tags }), 'RECORD_INVALID');
      }
      for (const version of ['', 'v\u0007', 'x'.repeat(129)]) {
        await rejectsWithCode(addRequest(registry(), uniqueName('bad'), { version }), 'RECORD_INVALID');
      }
    });

    test('approval registers the agent with the request\'s fields; the approval may replace each of them', async () => {
      const kept = await addRequest(registry(), uniqueName('kept'), { tags: ['db', 'eu'], address: 'db1.example:7443', version: '2.0.0' });
      const agent = await registry().approvePairing(kept.id, approval());
      assert.deepEqual([agent.tags, agent.address, agent.version], [['db', 'eu'], 'db1.example:7443', '2.0.0']);

      const replaced = await addRequest(registry(), uniqueName('replaced'), { tags: ['db'], address: 'db2.example:7443', version: '2.0.0' });
      const other = await registry().approvePairing(replaced.id, approval({ tags: [], address: '10.1.1.1:9000', version: null }));
      assert.deepEqual([other.tags, other.address, other.version], [[], '10.1.1.1:9000', null]);
      const approved = await registry().getPairingRequest(replaced.id, at(61));
      assert.deepEqual([approved?.state, approved?.tags, approved?.address], ['approved', ['db'], 'db2.example:7443'], 'the request itself keeps what was asked');
    });

    test('listPendingPairings: pending and unexpired only, by requested time then id; count agrees', async () => {
      const window = (seconds: number): Date => at(BASE + seconds);
      assert.deepEqual(await registry().listPendingPairings(window(0)), [], 'no other case reaches this far');
      const first = await addRequest(registry(), uniqueName('list'), { requestedAt: window(0), expiresAt: window(100) });
      const tiedA = await addRequest(registry(), uniqueName('list'), { requestedAt: window(5), expiresAt: window(100) });
      const tiedB = await addRequest(registry(), uniqueName('list'), { requestedAt: window(5), expiresAt: window(100) });
      const later = await addRequest(registry(), uniqueName('list'), { requestedAt: window(8), expiresAt: window(200) });
      const expiring = await addRequest(registry(), uniqueName('list'), { requestedAt: window(1), expiresAt: window(20) });
      const approved = await addRequest(registry(), uniqueName('list'), { requestedAt: window(2), expiresAt: window(100) });
      await registry().approvePairing(approved.id, approval({ pairedAt: window(3) }));
      const denied = await addRequest(registry(), uniqueName('list'), { requestedAt: window(3), expiresAt: window(100) });
      await registry().denyPairing(denied.id);

      const ids = async (seconds: number): Promise<string[]> => (await registry().listPendingPairings(window(seconds))).map((r) => r.id);
      const tied = [tiedA.id, tiedB.id].sort();
      assert.deepEqual(await ids(10), [first.id, expiring.id, ...tied, later.id]);
      assert.equal(await registry().countPendingPairings(window(10)), 5);
      assert.deepEqual(await ids(20), [first.id, ...tied, later.id], 'expired at expiresAt exactly');
      assert.equal(await registry().countPendingPairings(window(20)), 4);
      assert.deepEqual(await ids(150), [later.id]);
      assert.ok((await registry().listPendingPairings(window(10))).every((r) => r.state === 'pending'));

      // A second control host on the same data lists the same requests, whichever one stored them.
      const other = await current().connect();
      try {
        const theirs = await addRequest(other, uniqueName('list'), { requestedAt: window(9), expiresAt: window(100) });
        assert.deepEqual(await ids(10), [first.id, expiring.id, ...tied, later.id, theirs.id]);
        assert.deepEqual((await other.listPendingPairings(window(10))).map((r) => r.id), await ids(10));
        await rejectsWithCode(other.listPendingPairings('now' as unknown as Date), 'RECORD_INVALID');
      } finally {
        await other.close();
      }
    });
  });
}
