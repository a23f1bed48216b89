/** The registry contract's agent cases: lookups, tags, contact, removal, sharing and durability. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hasCode } from '../../src/core/errors.js';
import type { Registry } from '../../src/control/registry/index.js';
import { addRequest, approval, at, iso, issued, newSerial, pairAgent, pairingRequest, rejectsWithCode, uniqueName, type RegistryHarness } from './registry-fixtures.js';

/** Tags that break naive SQL, JSON, array-literal or LIKE handling, and must come back byte for byte. */
const ODD_TAGS = ['NULL', '{a,b}', '"quoted"', 'back\\slash', 'comma,separated', '%', '_', "' OR 1=1 --", ' padded ', '[1]', 'ünïcødé ✓', 'emoji 🎉', '*'];

export function registryAgentCases(current: () => RegistryHarness): void {
  const registry = (): Registry => current().registry;

  describe('agents', () => {
    test('listAgents filters by tag, by names, and by both, in name order', async () => {
      const tag = uniqueName('tag');
      const [a, b, c] = [uniqueName('list-a'), uniqueName('list-b'), uniqueName('list-c')];
      await pairAgent(registry(), c, { tags: [tag, 'db'] });
      await pairAgent(registry(), a, { tags: [tag] });
      await pairAgent(registry(), b, { tags: ['other'] });
      const names = async (filter: Parameters<Registry['listAgents']>[0]): Promise<string[]> => (await registry().listAgents(filter)).map((agent) => agent.name);
      assert.deepEqual(await names({ tag }), [a, c]);
      assert.deepEqual(await names({ names: [b, c, 'no-such-host', 'not a name!'] }), [b, c]);
      assert.deepEqual(await names({ tag, names: [b, c] }), [c]);
      assert.deepEqual(await names({ names: [] }), []);
      assert.deepEqual(await names({ tag: uniqueName('unused') }), []);
      const all = await names({});
      assert.ok([a, b, c].every((name) => all.includes(name)));
      assert.deepEqual(all, [...all].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)), 'byte order, whatever the database locale');
    });

    test('tags with odd characters round-trip exactly and match only themselves', async () => {
      const name = uniqueName('odd');
      const marker = uniqueName('marker');
      const agent = await pairAgent(registry(), name, { tags: [marker, ...ODD_TAGS, marker] });
      assert.deepEqual(agent.tags, [marker, ...ODD_TAGS], 'duplicates dropped, order kept');
      const plain = await pairAgent(registry(), uniqueName('plain'), { tags: [marker, 'plain'] });
      for (const tag of ODD_TAGS) {
        const found = (await registry().listAgents({ tag })).map((a) => a.name);
        assert.ok(found.includes(name) && !found.includes(plain.name), `tag ${JSON.stringify(tag)} matched ${JSON.stringify(found)}`);
      }
      const reversed = [...ODD_TAGS].reverse();
      assert.deepEqual((await registry().setTags(name, reversed)).tags, reversed);
      assert.deepEqual((await registry().getAgent(name))?.tags, reversed);
      assert.deepEqual((await registry().setTags(name, [])).tags, []);
    });

    test('markSeen records contact time and, when given, the version', async () => {
      const name = uniqueName('seen');
      await pairAgent(registry(), name, { version: '0.1.0' });
      await registry().markSeen(name, at(1000));
      assert.deepEqual(await pick(registry(), name), [iso(1000), '0.1.0']);
      await registry().markSeen(name, at(2000), '0.2.0');
      assert.deepEqual(await pick(registry(), name), [iso(2000), '0.2.0']);
      await registry().markSeen(name, at(3000), null);
      assert.deepEqual(await pick(registry(), name), [iso(3000), null]);
    });

    test('unknown names are AGENT_NOT_FOUND (getAgent: null)', async () => {
      const ghost = uniqueName('ghost');
      assert.equal(await registry().getAgent(ghost), null);
      assert.equal(await registry().getAgent('not a name!'), null);
      await rejectsWithCode(registry().markSeen(ghost, at(1)), 'AGENT_NOT_FOUND');
      await rejectsWithCode(registry().setTags(ghost, ['x']), 'AGENT_NOT_FOUND');
      await rejectsWithCode(registry().renewAgentCertificate(ghost, issued()), 'AGENT_NOT_FOUND');
      await rejectsWithCode(registry().revokeAgent(ghost, at(1)), 'AGENT_NOT_FOUND');
      await rejectsWithCode(registry().removeAgent(ghost, at(1)), 'AGENT_NOT_FOUND');
      await rejectsWithCode(registry().removeAgent('../etc', at(1)), 'AGENT_NOT_FOUND');
    });

    test('removing an agent revokes its certificates, and their serials stay taken', async () => {
      const name = uniqueName('remove');
      const agent = await pairAgent(registry(), name);
      await registry().removeAgent(name, at(700));
      assert.equal(await registry().getAgent(name), null);
      assert.equal((await registry().getCertificate(agent.certSerial))?.revokedAt, iso(700));
      assert.equal(await registry().isSerialRevoked(agent.certSerial), true);
      const request = await addRequest(registry(), name);
      await rejectsWithCode(registry().approvePairing(request.id, approval({ certificate: issued({ serial: agent.certSerial }) })), 'SERIAL_REUSED');
    });

    test('values that could mislead the control host or an operator are RECORD_INVALID', async () => {
      // Names are bound into certificates: no separators, wildcards or control characters.
      for (const agentName of ['a/b', '*.example', '', 'host\nname', '-leading', 'x'.repeat(254)]) {
        await rejectsWithCode(registry().addPairingRequest(pairingRequest(agentName)), 'RECORD_INVALID');
      }
      // The control host dials the address: host:port and nothing more.
      const request = await addRequest(registry(), uniqueName('addr'));
      for (const address of ['evil.example:443/path', 'user@host:443', 'host', 'host:0', 'host:65536', 'http://host:443', 'host :443']) {
        await rejectsWithCode(registry().approvePairing(request.id, approval({ address })), 'RECORD_INVALID');
      }
      for (const tags of [['line\nbreak'], [''], ['x'.repeat(129)]]) {
        await rejectsWithCode(registry().approvePairing(request.id, approval({ tags })), 'RECORD_INVALID');
      }
      await rejectsWithCode(registry().addPairingRequest(pairingRequest(uniqueName('big'), { csrPem: `-----BEGIN CERTIFICATE REQUEST-----\n${'A'.repeat(70_000)}` })), 'RECORD_INVALID');
      await rejectsWithCode(registry().addPairingRequest(pairingRequest(uniqueName('when'), { expiresAt: at(0) })), 'RECORD_INVALID');
      await rejectsWithCode(registry().addPairingRequest(pairingRequest(uniqueName('when'), { requestedAt: 'yesterday' })), 'RECORD_INVALID');
      const ipv6 = await registry().approvePairing(request.id, approval({ address: '[2001:db8::1]:7443' }));
      assert.equal(ipv6.address, '[2001:db8::1]:7443');
    });
  });

  describe('shared and durable data', () => {
    test('a second registry on the same data sees the first one\'s writes, both ways', async () => {
      const other = await current().connect();
      try {
        const name = uniqueName('shared');
        await pairAgent(registry(), name, { tags: ['one'] });
        assert.deepEqual((await other.getAgent(name))?.tags, ['one']);
        await other.setTags(name, ['two']);
        assert.deepEqual((await registry().getAgent(name))?.tags, ['two']);
        const request = await addRequest(other, uniqueName('shared-req'));
        assert.equal((await registry().findPairingByCode(request.code, at(1)))?.id, request.id);
      } finally {
        await other.close();
      }
    });

    test('concurrent approvals of one serial from two connections: exactly one wins, the loser leaves nothing', async () => {
      const other = await current().connect();
      try {
        for (let round = 0; round < 5; round++) {
          const serial = newSerial();
          const [nameA, nameB] = [uniqueName('race-a'), uniqueName('race-b')];
          const [requestA, requestB] = await Promise.all([addRequest(registry(), nameA), addRequest(other, nameB)]);
          const results = await Promise.allSettled([
            registry().approvePairing(requestA.id, approval({ certificate: issued({ serial }) })),
            other.approvePairing(requestB.id, approval({ certificate: issued({ serial }) })),
          ]);
          const winners = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.name] : []));
          assert.equal(winners.length, 1, `round ${round}: ${JSON.stringify(results.map((r) => r.status))}`);
          const reason: unknown = results.find((r) => r.status === 'rejected')?.reason;
          assert.ok(hasCode(reason, 'SERIAL_REUSED'), `the loser failed with ${String(reason)}`);
          const [winner, losing] = winners[0] === nameA ? [nameA, nameB] : [nameB, nameA];
          assert.equal((await registry().getCertificate(serial))?.agentName, winner);
          assert.equal(await other.getAgent(losing), null);
          assert.equal((await registry().getPairingRequest(winner === nameA ? requestB.id : requestA.id, at(61)))?.state, 'pending');
        }
      } finally {
        await other.close();
      }
    });

    test('data survives closing and reopening', async () => {
      const first = await current().connect();
      const name = uniqueName('durable');
      const agent = await pairAgent(first, name, { tags: ['kept'] });
      await first.revokeAgent(name, at(100));
      await first.close();
      const second = await current().connect();
      try {
        assert.deepEqual(await second.getAgent(name), { ...agent, state: 'revoked' });
        assert.equal(await second.isSerialRevoked(agent.certSerial), true);
      } finally {
        await second.close();
      }
    });

    test('a closed registry is REGISTRY_UNAVAILABLE, and closing twice is fine', async () => {
      const extra = await current().connect();
      await extra.close();
      await extra.close();
      await rejectsWithCode(extra.getAgent('anyone'), 'REGISTRY_UNAVAILABLE');
      await rejectsWithCode(extra.addPairingRequest(pairingRequest(uniqueName('closed'))), 'REGISTRY_UNAVAILABLE');
    });
  });
}

async function pick(registry: Registry, name: string): Promise<[string | null | undefined, string | null | undefined]> {
  const agent = await registry.getAgent(name);
  return [agent?.lastSeenAt, agent?.version];
}
