import type {
  AgentFilter,
  AgentRecord,
  CertificateRecord,
  IssuedCertificate,
  NewCertificate,
  NewPairingRequest,
  PairingApproval,
  PairingRequest,
} from './records.js';
import type { FleetHostResult, FleetRunListOptions, FleetRunRecord, NewFleetRun } from './fleet-run-records.js';

/**
 * The control host's durable record of pairing requests, agents and every certificate its CA
 * issued. Async so a shared PostgreSQL database fits as well as a local SQLite file; every method
 * is one transaction, and its effect is durable when the promise resolves. Failures reject with a
 * RegistryError (see errors.ts for the codes).
 */
export interface Registry {
  /** Stores a pending request under a fresh random id. PAIRING_CODE_IN_USE if a live pending request shows the same code. */
  addPairingRequest(request: NewPairingRequest): Promise<PairingRequest>;
  /** The request, or null; a pending one past its expiry (at `now`, default the current time) reads as `expired`. */
  getPairingRequest(id: string, now?: Date): Promise<PairingRequest | null>;
  /** The pending, unexpired request showing `code`, or null. */
  findPairingByCode(code: string, now: Date): Promise<PairingRequest | null>;
  /** Every pending request unexpired at `now`, whichever control host stored it, oldest first (ties by id). */
  listPendingPairings(now: Date): Promise<PairingRequest[]>;
  /** How many requests `listPendingPairings(now)` would return, without reading them. */
  countPendingPairings(now: Date): Promise<number>;
  /**
   * One transaction: marks the request approved, records the certificate, inserts (or, on
   * re-pairing, replaces and reactivates) the agent with the request's tags, address and version
   * (unless the approval gives others), and revokes the name's earlier certificates. SERIAL_REUSED,
   * PAIRING_NOT_FOUND, PAIRING_NOT_PENDING, PAIRING_EXPIRED or RECORD_INVALID (no address: a request
   * from schema version 1) leave nothing changed.
   */
  approvePairing(id: string, approval: PairingApproval): Promise<AgentRecord>;
  /** Deletes a pending request (nothing of it remains). PAIRING_NOT_PENDING once approved. */
  denyPairing(id: string): Promise<void>;
  /** Deletes pending requests expired at `now`; returns how many. */
  purgeExpiredPairings(now: Date): Promise<number>;

  /** Records a certificate outside pairing (the control host's own). SERIAL_REUSED on a known serial. */
  recordCertificate(certificate: NewCertificate): Promise<CertificateRecord>;
  getCertificate(serial: string): Promise<CertificateRecord | null>;
  /** One transaction: records the certificate for the agent and makes it the agent's current one. */
  renewAgentCertificate(name: string, certificate: IssuedCertificate): Promise<AgentRecord>;
  /** Marks the agent revoked and every certificate it ever had; returns those serials. */
  revokeAgent(name: string, now: Date): Promise<string[]>;
  /** False for a serial never recorded; a malformed serial is RECORD_INVALID, never a quiet false. */
  isSerialRevoked(serial: string): Promise<boolean>;
  /** Every revoked serial, ascending: the content of the CRL. */
  revokedSerials(): Promise<string[]>;

  getAgent(name: string): Promise<AgentRecord | null>;
  /** Agents by name, ascending. */
  listAgents(filter?: AgentFilter): Promise<AgentRecord[]>;
  /** Records contact at `now`; a given `version` (null clears it) replaces the stored one. */
  markSeen(name: string, now: Date, version?: string | null): Promise<void>;
  setTags(name: string, tags: readonly string[]): Promise<AgentRecord>;
  /** Deletes the agent and revokes its certificates (their serials stay recorded, so never reused). */
  removeAgent(name: string, now: Date): Promise<void>;

  /** Records a fleet run before anything is dispatched, every host `pending`. FLEET_RUN_EXISTS on a known id. */
  createFleetRun(run: NewFleetRun): Promise<FleetRunRecord>;
  /** A pending host becomes `dispatched` with its agent's run id; a host already final stays as it is. */
  recordHostDispatched(runId: string, host: string, agentRunId: string): Promise<void>;
  /** The host's final outcome; the first one recorded stays (a late duplicate changes nothing). */
  recordHostResult(runId: string, host: string, result: FleetHostResult): Promise<void>;
  /** Ends a running run; one already ended keeps its state and time. */
  finishFleetRun(runId: string, state: 'finished' | 'cancelled', at: Date): Promise<void>;
  /** The run with its hosts in dispatch order, or null (a malformed id is null too). */
  getFleetRun(id: string): Promise<FleetRunRecord | null>;
  /** The newest runs first (ties by id, descending), each with its hosts. */
  listFleetRuns(options?: FleetRunListOptions): Promise<FleetRunRecord[]>;

  /** Releases the database; later calls fail with REGISTRY_UNAVAILABLE. Safe to call twice. */
  close(): Promise<void>;
}
