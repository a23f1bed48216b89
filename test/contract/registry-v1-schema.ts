/**
 * Registries as writ released them at schema version 1 (before pairing requests kept tags, address
 * and version), frozen here: upgrades are tested from exactly what exists in the field, whatever
 * the current DDL says. Seeded with one agent, one pending and one approved request.
 */
import assert from 'node:assert/strict';
import type { Registry } from '../../src/control/registry/index.js';
import { CERT_PEM, CSR_PEM, REQUESTED, addRequest, approval, at, iso, rejectsWithCode, uniqueName } from './registry-fixtures.js';

export const V1_PENDING_ID = 'a1'.repeat(16);
export const V1_APPROVED_ID = 'b2'.repeat(16);
const V1_FINGERPRINT = 'f'.repeat(64);

/** The DDL of src/control/registry/sqlite/schema.ts at version 1. */
export const SQLITE_V1_DDL = `
CREATE TABLE certificates (
  serial      TEXT NOT NULL PRIMARY KEY,
  agent_name  TEXT,
  fingerprint TEXT NOT NULL,
  issued_at   TEXT NOT NULL,
  not_after   TEXT NOT NULL,
  revoked_at  TEXT
) STRICT;
CREATE INDEX certificates_by_agent ON certificates (agent_name);
CREATE INDEX certificates_revoked ON certificates (serial) WHERE revoked_at IS NOT NULL;

CREATE TABLE agents (
  name         TEXT NOT NULL PRIMARY KEY,
  tags         TEXT NOT NULL CHECK (json_valid(tags) AND json_type(tags) = 'array'),
  address      TEXT NOT NULL,
  version      TEXT,
  cert_serial  TEXT NOT NULL UNIQUE REFERENCES certificates (serial),
  paired_at    TEXT NOT NULL,
  last_seen_at TEXT,
  state        TEXT NOT NULL CHECK (state IN ('active', 'revoked'))
) STRICT;

CREATE TABLE pairing_requests (
  id           TEXT NOT NULL PRIMARY KEY,
  agent_name   TEXT NOT NULL,
  csr_pem      TEXT NOT NULL,
  code         TEXT NOT NULL,
  requested_at TEXT NOT NULL,
  expires_at   TEXT NOT NULL,
  state        TEXT NOT NULL CHECK (state IN ('pending', 'approved')),
  cert_pem     TEXT,
  CHECK ((state = 'approved') = (cert_pem IS NOT NULL))
) STRICT;
-- A code names at most one pending request, so an operator typing it cannot approve the wrong host.
CREATE UNIQUE INDEX pairing_pending_code ON pairing_requests (code) WHERE state = 'pending';
CREATE INDEX pairing_pending_expiry ON pairing_requests (expires_at) WHERE state = 'pending';
`;

/** Version 1's rows, as that writ wrote them (user_version and application_id set by the caller). */
export const SQLITE_V1_ROWS = `
INSERT INTO certificates VALUES ('71', 'v1-agent', '${V1_FINGERPRINT}', '${iso(0)}', '${iso(86400)}', NULL);
INSERT INTO agents VALUES ('v1-agent', '["old"]', '10.0.0.1:7443', '0.0.9', '71', '${iso(0)}', NULL, 'active');
INSERT INTO pairing_requests VALUES ('${V1_PENDING_ID}', 'v1-pending', '${CSR_PEM}', 'V1-PEND', '${iso(0)}', '${iso(600)}', 'pending', NULL);
INSERT INTO pairing_requests VALUES ('${V1_APPROVED_ID}', 'v1-agent', '${CSR_PEM}', 'V1-DONE', '${iso(0)}', '${iso(600)}', 'approved', '${CERT_PEM}');
`;

/** The DDL of src/control/registry/postgres/schema.ts at version 1, and its rows, in schema `s` (quoted). */
export function postgresV1(s: string): string {
  return `
CREATE SCHEMA ${s};
CREATE TABLE ${s}.schema_version (singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), version integer NOT NULL);
INSERT INTO ${s}.schema_version VALUES (true, 1);
CREATE TABLE IF NOT EXISTS ${s}.certificates (
  serial      text        NOT NULL,
  agent_name  text,
  fingerprint text        NOT NULL,
  issued_at   timestamptz NOT NULL,
  not_after   timestamptz NOT NULL,
  revoked_at  timestamptz,
  CONSTRAINT certificates_pkey PRIMARY KEY (serial)
);
CREATE INDEX IF NOT EXISTS certificates_by_agent ON ${s}.certificates (agent_name);
CREATE INDEX IF NOT EXISTS certificates_revoked ON ${s}.certificates (serial) WHERE revoked_at IS NOT NULL;

CREATE TABLE IF NOT EXISTS ${s}.agents (
  name         text        NOT NULL PRIMARY KEY,
  tags         text[]      NOT NULL CHECK (array_position(tags, NULL) IS NULL),
  address      text        NOT NULL,
  version      text,
  cert_serial  text        NOT NULL UNIQUE REFERENCES ${s}.certificates (serial),
  paired_at    timestamptz NOT NULL,
  last_seen_at timestamptz,
  state        text        NOT NULL CHECK (state IN ('active', 'revoked'))
);

CREATE TABLE IF NOT EXISTS ${s}.pairing_requests (
  id           text        NOT NULL PRIMARY KEY,
  agent_name   text        NOT NULL,
  csr_pem      text        NOT NULL,
  code         text        NOT NULL,
  requested_at timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  state        text        NOT NULL CHECK (state IN ('pending', 'approved')),
  cert_pem     text,
  CHECK ((state = 'approved') = (cert_pem IS NOT NULL))
);
-- A code names at most one pending request, so an operator typing it cannot approve the wrong host.
CREATE UNIQUE INDEX IF NOT EXISTS pairing_pending_code ON ${s}.pairing_requests (code) WHERE state = 'pending';
CREATE INDEX IF NOT EXISTS pairing_pending_expiry ON ${s}.pairing_requests (expires_at) WHERE state = 'pending';
INSERT INTO ${s}.certificates VALUES ('71', 'v1-agent', '${V1_FINGERPRINT}', '${iso(0)}', '${iso(86400)}', NULL);
INSERT INTO ${s}.agents VALUES ('v1-agent', '{old}', '10.0.0.1:7443', '0.0.9', '71', '${iso(0)}', NULL, 'active');
INSERT INTO ${s}.pairing_requests VALUES ('${V1_PENDING_ID}', 'v1-pending', '${CSR_PEM}', 'V1-PEND', '${iso(0)}', '${iso(600)}', 'pending', NULL);
INSERT INTO ${s}.pairing_requests VALUES ('${V1_APPROVED_ID}', 'v1-agent', '${CSR_PEM}', 'V1-DONE', '${iso(0)}', '${iso(600)}', 'approved', '${CERT_PEM}');
`;
}

/**
 * What every back end must show after opening a version-1 registry: old rows read back unchanged,
 * old requests with no tags, no version and no address (so they cannot be approved as they are),
 * and new requests keep their fields.
 */
export async function assertUpgradedFromV1(registry: Registry): Promise<void> {
  assert.deepEqual(await registry.getAgent('v1-agent'), {
    name: 'v1-agent', tags: ['old'], address: '10.0.0.1:7443', version: '0.0.9', certSerial: '71', certNotAfter: iso(86400),
    certFingerprint: V1_FINGERPRINT, pairedAt: iso(0), lastSeenAt: null, state: 'active',
  });
  const pending = {
    id: V1_PENDING_ID, agentName: 'v1-pending', csrPem: CSR_PEM, code: 'V1-PEND', tags: [], address: '', version: null,
    requestedAt: iso(0), expiresAt: iso(600), state: 'pending', certPem: null,
  };
  assert.deepEqual(await registry.getPairingRequest(V1_PENDING_ID, at(1)), pending);
  assert.deepEqual(await registry.findPairingByCode('V1-PEND', at(1)), pending);
  assert.deepEqual(await registry.listPendingPairings(at(1)), [pending]);
  assert.deepEqual(await registry.getPairingRequest(V1_APPROVED_ID, at(1)), { ...pending, id: V1_APPROVED_ID, agentName: 'v1-agent', code: 'V1-DONE', state: 'approved', certPem: CERT_PEM });

  // The control host could never dial an agent registered at '': refused, and nothing changes.
  await rejectsWithCode(registry.approvePairing(V1_PENDING_ID, approval()), 'RECORD_INVALID');
  assert.equal((await registry.getPairingRequest(V1_PENDING_ID, at(61)))?.state, 'pending');
  const agent = await registry.approvePairing(V1_PENDING_ID, approval({ address: '10.0.0.2:7443' }));
  assert.deepEqual([agent.name, agent.tags, agent.address, agent.version], ['v1-pending', [], '10.0.0.2:7443', null]);

  const fresh = await addRequest(registry, uniqueName('upgraded'));
  assert.deepEqual((await registry.getPairingRequest(fresh.id, at(1)))?.tags, REQUESTED.tags);
  assert.equal((await registry.approvePairing(fresh.id, approval())).address, REQUESTED.address);
}
