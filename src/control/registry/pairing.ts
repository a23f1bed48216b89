import { randomBytes } from 'node:crypto';
import { RegistryError } from './errors.js';
import type { AgentFields } from './inputs.js';
import type { PairingRequest, PairingState } from './records.js';
import { invalid, printable } from './validate.js';

/** What the database stores: denied requests are deleted and `expired` is read from the clock. */
export type StoredPairingState = 'pending' | 'approved';

/** A request as stored; `toPairingRequest` gives its state at a given instant. */
export interface StoredPairing {
  readonly id: string;
  readonly agentName: string;
  readonly csrPem: string;
  readonly code: string;
  readonly tags: string[];
  readonly address: string;
  readonly version: string | null;
  readonly requestedAt: string;
  readonly expiresAt: string;
  readonly state: StoredPairingState;
  readonly certPem: string | null;
}

/** 128 random bits: the agent fetches its certificate by this id, so it must not be guessable. */
export function newPairingId(): string {
  return randomBytes(16).toString('hex');
}

/** A malformed id names no request: lookups answer "not found" without asking the database. */
export function isPairingId(id: unknown): id is string {
  return typeof id === 'string' && /^[0-9a-f]{32}$/.test(id);
}

/** A request expires at `expiresAt` exactly: from that instant on it can be neither found nor approved. */
export function pairingStateAt(stored: StoredPairingState, expiresAt: string, nowIso: string): PairingState {
  return stored === 'pending' && expiresAt <= nowIso ? 'expired' : stored;
}

export function toPairingRequest(stored: StoredPairing, nowIso: string): PairingRequest {
  return { ...stored, state: pairingStateAt(stored.state, stored.expiresAt, nowIso) };
}

/**
 * The approved agent's tags, address and version: the request's own, with whatever the approval
 * replaces. Called inside the approval's transaction, so a refusal here leaves the request pending.
 */
export function approvedAgentFields(id: string, stored: AgentFields, overrides: Partial<AgentFields>): AgentFields {
  const fields = { ...stored, ...overrides };
  // Requests stored by schema version 1 read back with address '' (the migration's default): the
  // control host could never dial such an agent, so it must not be registered that way.
  if (fields.address === '') throw invalid(`pairing request ${printable(id)} has no agent address (stored by an older writ); give one or have the agent request pairing again`);
  return fields;
}

/** Why an approval matched no pending, unexpired request (`request` as read in the same transaction). */
export function unapprovable(id: string, request: { state: StoredPairingState; expiresAt: string } | undefined, pairedAt: string): RegistryError {
  if (request === undefined) return new RegistryError('PAIRING_NOT_FOUND', `no pairing request ${printable(id)}`);
  if (pairingStateAt(request.state, request.expiresAt, pairedAt) === 'expired') {
    return new RegistryError('PAIRING_EXPIRED', `pairing request ${printable(id)} expired at ${request.expiresAt}`);
  }
  return new RegistryError('PAIRING_NOT_PENDING', `pairing request ${printable(id)} is already ${request.state}`);
}

/** Why a deny matched no pending request. */
export function undeniable(id: string, exists: boolean): RegistryError {
  if (!exists) return new RegistryError('PAIRING_NOT_FOUND', `no pairing request ${printable(id)}`);
  return new RegistryError('PAIRING_NOT_PENDING', `pairing request ${printable(id)} is already approved; revoke the agent instead`);
}
