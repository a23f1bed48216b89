/**
 * One suite, run against every Registry implementation (as hono runs one suite against every
 * router): SQLite for one control host, PostgreSQL for several. Both must keep the same promises.
 * Tests share one registry per back end and stay apart by unique agent names and tags.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Registry } from '../../src/control/registry/index.js';
import { registryAgentCases } from './registry-contract-agents.js';
import { registryPendingCases } from './registry-contract-pending.js';
import { registryRunCases } from './registry-contract-runs.js';
import {
  CERT_PEM,
  CSR_PEM,
  PAIRING_TTL_S,
  REQUESTED,
  addRequest,
  approval,
  at,
  iso,
  issued,
  newSerial,
  pairAgent,
  rejectsWithCode,
  uniqueName,
  type RegistryHarness,
} from './registry-fixtures.js';

export type { RegistryHarness } from './registry-fixtures.js';

export function registryContract(name: string, open: () => Promise<RegistryHarness>): void {
  describe(`registry contract: ${name}`, () => {
    let harness: RegistryHarness;
    let registry: Registry;
    before(async () => {
      harness = await open();
      registry = harness.registry;
    });
    after(async () => {
      await harness.cleanup();
    });

    describe('pairing requests', () => {
      test('a request is stored pending, found by its code, and not found once expired', async () => {
        const agentName = uniqueName('pair');
        const request = await addRequest(registry, agentName);
        assert.match(request.id, /^[0-9a-f]{32}$/);
        assert.deepEqual(await registry.getPairingRequest(request.id, at(1)), {
          id: request.id, agentName, csrPem: CSR_PEM, code: request.code, ...REQUESTED, tags: [...REQUESTED.tags],
          requestedAt: iso(0), expiresAt: iso(PAIRING_TTL_S), state: 'pending', certPem: null,
        });
        assert.equal((await registry.findPairingByCode(request.code, at(PAIRING_TTL_S - 1)))?.id, request.id);
        assert.equal(await registry.findPairingByCode(request.code, at(PAIRING_TTL_S)), null, 'expired at expiresAt exactly');
        assert.equal((await registry.getPairingRequest(request.id, at(PAIRING_TTL_S)))?.state, 'expired');
        assert.equal(await registry.findPairingByCode('NO-SUCH-CODE', at(1)), null);
        assert.equal(await registry.findPairingByCode("x' OR '1'='1", at(1)), null, 'a code that cannot be one finds nothing');
      });

      test('approval marks the request approved and creates the agent and its certificate together', async () => {
        const agentName = uniqueName('approve');
        const request = await addRequest(registry, agentName);
        const certificate = issued();
        const agent = await registry.approvePairing(request.id, approval({ certificate, tags: ['web', 'eu'], address: 'web1.example:7443', pairedAt: at(60) }));
        assert.deepEqual(agent, {
          name: agentName, tags: ['web', 'eu'], address: 'web1.example:7443', version: '0.1.0', certSerial: certificate.serial,
          certNotAfter: new Date(certificate.notAfter).toISOString(), certFingerprint: certificate.fingerprint, pairedAt: iso(60), lastSeenAt: null, state: 'active',
        });
        assert.deepEqual(await registry.getAgent(agentName), agent);
        assert.deepEqual(await registry.getCertificate(certificate.serial), {
          serial: certificate.serial, agentName, fingerprint: certificate.fingerprint, issuedAt: iso(60), notAfter: agent.certNotAfter, revokedAt: null,
        });
        const approved = await registry.getPairingRequest(request.id, at(61));
        assert.deepEqual([approved?.state, approved?.certPem], ['approved', CERT_PEM]);
        assert.equal(await registry.findPairingByCode(request.code, at(61)), null, 'only pending requests are found by code');
        await rejectsWithCode(registry.approvePairing(request.id, approval()), 'PAIRING_NOT_PENDING');
        await rejectsWithCode(registry.denyPairing(request.id), 'PAIRING_NOT_PENDING');
      });

      test('an expired request cannot be approved and nothing is created', async () => {
        const agentName = uniqueName('late');
        const request = await addRequest(registry, agentName);
        const certificate = issued();
        await rejectsWithCode(registry.approvePairing(request.id, approval({ certificate, pairedAt: at(PAIRING_TTL_S) })), 'PAIRING_EXPIRED');
        assert.equal(await registry.getAgent(agentName), null);
        assert.equal(await registry.getCertificate(certificate.serial), null);
      });

      test('deny leaves no row behind; unknown ids are PAIRING_NOT_FOUND', async () => {
        const request = await addRequest(registry, uniqueName('deny'));
        await registry.denyPairing(request.id);
        assert.equal(await registry.getPairingRequest(request.id, at(1)), null);
        assert.equal(await registry.findPairingByCode(request.code, at(1)), null);
        await rejectsWithCode(registry.denyPairing(request.id), 'PAIRING_NOT_FOUND');
        await rejectsWithCode(registry.approvePairing(request.id, approval()), 'PAIRING_NOT_FOUND');
        await rejectsWithCode(registry.approvePairing('not-an-id', approval()), 'PAIRING_NOT_FOUND');
        assert.equal(await registry.getPairingRequest('not-an-id', at(1)), null);
      });

      test('purge deletes expired pending requests and nothing else', async () => {
        const base = -100_000; // before every other test's requests, so the count is this test's own
        const expiredA = await addRequest(registry, uniqueName('old'), { requestedAt: at(base), expiresAt: at(base + 10) });
        const expiredB = await addRequest(registry, uniqueName('old'), { requestedAt: at(base), expiresAt: at(base + 20) });
        const live = await addRequest(registry, uniqueName('live'), { requestedAt: at(base), expiresAt: at(base + 1000) });
        const approved = await addRequest(registry, uniqueName('kept'), { requestedAt: at(base), expiresAt: at(base + 10) });
        await registry.approvePairing(approved.id, approval({ pairedAt: at(base + 5) }));
        assert.equal(await registry.purgeExpiredPairings(at(base + 20)), 2);
        assert.equal(await registry.getPairingRequest(expiredA.id, at(base + 20)), null);
        assert.equal(await registry.getPairingRequest(expiredB.id, at(base + 20)), null);
        assert.equal((await registry.getPairingRequest(live.id, at(base + 20)))?.state, 'pending');
        assert.equal((await registry.getPairingRequest(approved.id, at(base + 20)))?.state, 'approved');
        assert.equal(await registry.purgeExpiredPairings(at(base + 20)), 0);
      });

      test('a code shows at most one live pending request; an expired one frees it', async () => {
        // Otherwise an operator typing the code could approve a different host than the one on screen.
        const first = await addRequest(registry, uniqueName('code'));
        await rejectsWithCode(addRequest(registry, uniqueName('code'), { code: first.code, requestedAt: at(10) }), 'PAIRING_CODE_IN_USE');
        const second = await addRequest(registry, uniqueName('code'), { code: first.code, requestedAt: at(PAIRING_TTL_S), expiresAt: at(2 * PAIRING_TTL_S) });
        assert.equal(await registry.getPairingRequest(first.id, at(PAIRING_TTL_S)), null, 'the expired holder of the code is gone');
        assert.equal((await registry.findPairingByCode(first.code, at(PAIRING_TTL_S + 1)))?.id, second.id);
      });
    });

    describe('certificates', () => {
      test('a serial is never reused, whatever its spelling, and a refused approval leaves nothing behind', async () => {
        const serial = newSerial();
        const own = await registry.recordCertificate({ ...issued({ serial: serial.toUpperCase() }), agentName: null });
        assert.equal(own.serial, serial, 'stored in canonical form');
        await rejectsWithCode(registry.recordCertificate({ ...issued({ serial }), agentName: null }), 'SERIAL_REUSED');
        const colonned = `00${serial}`.toUpperCase().replace(/(..)(?=.)/g, '$1:');
        await rejectsWithCode(registry.recordCertificate({ ...issued({ serial: colonned }), agentName: null }), 'SERIAL_REUSED');

        const agentName = uniqueName('reuse');
        const request = await addRequest(registry, agentName);
        await rejectsWithCode(registry.approvePairing(request.id, approval({ certificate: issued({ serial }) })), 'SERIAL_REUSED');
        assert.equal(await registry.getAgent(agentName), null, 'no agent without its certificate');
        assert.equal((await registry.getPairingRequest(request.id, at(61)))?.state, 'pending', 'the approval was rolled back');
        assert.equal((await registry.getCertificate(serial))?.agentName, null, 'the existing certificate is untouched');
        assert.equal((await registry.approvePairing(request.id, approval())).name, agentName, 'a fresh serial then succeeds');
      });

      test('renewal points the agent at the new certificate and keeps the old one on record', async () => {
        const agentName = uniqueName('renew');
        const original = await pairAgent(registry, agentName);
        const next = issued({ issuedAt: at(86400), notAfter: at(40 * 86400) });
        const renewed = await registry.renewAgentCertificate(agentName, next);
        assert.deepEqual([renewed.certSerial, renewed.certFingerprint, renewed.certNotAfter], [next.serial, next.fingerprint, iso(40 * 86400)]);
        assert.deepEqual((await registry.getAgent(agentName))?.certSerial, next.serial);
        const old = await registry.getCertificate(original.certSerial);
        assert.deepEqual([old?.agentName, old?.revokedAt], [agentName, null], 'the old one still works until it expires');
        await rejectsWithCode(registry.renewAgentCertificate(agentName, issued({ serial: next.serial })), 'SERIAL_REUSED');
        assert.equal((await registry.getAgent(agentName))?.certSerial, next.serial);
      });

      test('revocation marks the agent and every certificate it had', async () => {
        const agentName = uniqueName('revoke');
        const first = await pairAgent(registry, agentName);
        const second = await registry.renewAgentCertificate(agentName, issued());
        const bystander = await pairAgent(registry, uniqueName('bystander'));
        const revoked = await registry.revokeAgent(agentName, at(500));
        assert.deepEqual(revoked, [first.certSerial, second.certSerial].sort());
        assert.equal((await registry.getAgent(agentName))?.state, 'revoked');
        assert.equal((await registry.getCertificate(first.certSerial))?.revokedAt, iso(500));
        assert.equal(await registry.isSerialRevoked(first.certSerial), true);
        assert.equal(await registry.isSerialRevoked(second.certSerial.toUpperCase()), true);
        assert.equal(await registry.isSerialRevoked(bystander.certSerial), false);
        assert.equal(await registry.isSerialRevoked(newSerial()), false, 'a serial never recorded is not revoked');
        const crl = await registry.revokedSerials();
        assert.ok(revoked.every((serial) => crl.includes(serial)) && !crl.includes(bystander.certSerial));
        assert.deepEqual(crl, [...crl].sort(), 'ascending');
        // A revoked host must not extend its own life: only a new approved pairing brings it back.
        await rejectsWithCode(registry.renewAgentCertificate(agentName, issued()), 'AGENT_REVOKED');
        assert.deepEqual(await registry.revokeAgent(agentName, at(900)), revoked, 'revoking again changes nothing');
        assert.equal((await registry.getCertificate(first.certSerial))?.revokedAt, iso(500));
      });

      test('re-pairing a name revokes its earlier certificates and reactivates it', async () => {
        const agentName = uniqueName('repair');
        const first = await pairAgent(registry, agentName);
        await registry.revokeAgent(agentName, at(100));
        const again = await pairAgent(registry, agentName, { pairedAt: at(200), tags: ['new'] });
        assert.deepEqual([again.state, again.tags, again.lastSeenAt], ['active', ['new'], null]);
        assert.equal(await registry.isSerialRevoked(again.certSerial), false);
        assert.equal((await registry.getCertificate(first.certSerial))?.revokedAt, iso(100), 'the earlier revocation time stays');
        const replaced = await pairAgent(registry, agentName, { pairedAt: at(300) });
        assert.equal((await registry.getCertificate(again.certSerial))?.revokedAt, iso(300), 'a replaced key stops working at once');
        assert.equal(await registry.isSerialRevoked(replaced.certSerial), false);
      });

      test('malformed serials are refused, never answered "not revoked"', async () => {
        for (const serial of ['xyz', '', '0', '00', `1${'0'.repeat(40)}`]) {
          await rejectsWithCode(registry.isSerialRevoked(serial), 'RECORD_INVALID');
          await rejectsWithCode(registry.recordCertificate({ ...issued({ serial }), agentName: null }), 'RECORD_INVALID');
        }
        await rejectsWithCode(registry.recordCertificate({ ...issued({ fingerprint: 'abc' }), agentName: null }), 'RECORD_INVALID');
        await rejectsWithCode(registry.recordCertificate({ ...issued({ notAfter: at(0) }), agentName: null }), 'RECORD_INVALID');
      });
    });

    registryPendingCases(() => harness);
    registryAgentCases(() => harness);
    registryRunCases(() => harness);
  });
}
