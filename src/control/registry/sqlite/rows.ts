import type { StoredPairing, StoredPairingState } from '../pairing.js';
import type { AgentRecord, AgentState } from '../records.js';

/** Rows as the SQLite statements select them: tags are still JSON text, everything else is final. */

/** An agent as selected: the certificate columns come from the join. */
export interface AgentRow {
  name: string;
  tags: string;
  address: string;
  version: string | null;
  certSerial: string;
  certNotAfter: string;
  certFingerprint: string;
  pairedAt: string;
  lastSeenAt: string | null;
  state: AgentState;
}

export interface PairingSelectRow {
  id: string;
  agentName: string;
  csrPem: string;
  code: string;
  tags: string;
  address: string;
  version: string | null;
  requestedAt: string;
  expiresAt: string;
  state: StoredPairingState;
  certPem: string | null;
}

/** What approval reads back from the request it marks approved. */
export interface ApprovedPairingRow {
  agentName: string;
  tags: string;
  address: string;
  version: string | null;
}

export function toAgent(row: AgentRow): AgentRecord {
  return { ...row, tags: parseTags(row.tags) };
}

export function toStoredPairing(row: PairingSelectRow): StoredPairing {
  return { ...row, tags: parseTags(row.tags) };
}

/** The columns are CHECKed to be JSON arrays; their items were checked tags when written. */
export function parseTags(json: string): string[] {
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? value.filter((tag): tag is string => typeof tag === 'string') : [];
}
