import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  RegistryError,
  type AgentRecord,
  type IssuedCertificate,
  type NewPairingRequest,
  type PairingApproval,
  type PairingRequest,
  type Registry,
} from '../../src/control/registry/index.js';

/** What the contract suite needs from a back end: a registry, a way to open more on the same data, and cleanup. */
export interface RegistryHarness {
  readonly registry: Registry;
  /** Another registry on the same data: a second control host (PostgreSQL) or a second connection to the file (SQLite). */
  connect(): Promise<Registry>;
  cleanup(): Promise<void>;
}

/** A fixed clock far from the real one, so no test depends on when it runs. */
export const T0 = new Date('2030-01-01T00:00:00.000Z');
export const at = (seconds: number): Date => new Date(T0.getTime() + seconds * 1000);
export const iso = (seconds: number): string => at(seconds).toISOString();

export const CSR_PEM = '-----BEGIN CERTIFICATE REQUEST-----\nTUlJQ...\n-----END CERTIFICATE REQUEST-----\n';
export const CERT_PEM = '-----BEGIN CERTIFICATE-----\nTUlJQ...\n-----END CERTIFICATE-----\n';
export const PAIRING_TTL_S = 600;

let counter = 0;
/** A name no other test (or parallel run) uses: tests share one registry. */
export const uniqueName = (prefix: string): string => `${prefix}-${randomBytes(3).toString('hex')}-${++counter}`;
/** Canonical (lower case, no leading zero) so tests can compare with what the registry returns. */
export const newSerial = (): string => `7${randomBytes(15).toString('hex')}`;
export const newFingerprint = (): string => randomBytes(32).toString('hex');
export const newCode = (): string => randomBytes(4).toString('hex').toUpperCase();

/** What the agent asks to be registered with, unless a test says otherwise. */
export const REQUESTED = { tags: ['web'], address: '10.0.0.5:7443', version: '0.1.0' } as const;

export function pairingRequest(agentName: string, overrides: Partial<NewPairingRequest> = {}): NewPairingRequest {
  return { agentName, csrPem: CSR_PEM, code: newCode(), ...REQUESTED, requestedAt: T0, expiresAt: at(PAIRING_TTL_S), ...overrides };
}

export function issued(overrides: Partial<IssuedCertificate> = {}): IssuedCertificate {
  return { serial: newSerial(), fingerprint: newFingerprint(), issuedAt: at(60), notAfter: at(60 + 30 * 86400), ...overrides };
}

/** An approval that keeps the request's tags, address and version unless `overrides` replaces them. */
export function approval(overrides: Partial<PairingApproval> = {}): PairingApproval {
  return { certPem: CERT_PEM, certificate: issued(), pairedAt: at(60), ...overrides };
}

export async function addRequest(registry: Registry, agentName: string, overrides: Partial<NewPairingRequest> = {}): Promise<PairingRequest> {
  return registry.addPairingRequest(pairingRequest(agentName, overrides));
}

/** A freshly paired agent. */
export async function pairAgent(registry: Registry, name: string, overrides: Partial<PairingApproval> = {}): Promise<AgentRecord> {
  const request = await addRequest(registry, name);
  return registry.approvePairing(request.id, approval(overrides));
}

/** Asserts that `promise` rejects with a RegistryError carrying `code`. */
export async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof RegistryError, `expected a RegistryError ${code}, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
}
