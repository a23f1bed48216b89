/**
 * The shapes the registry keeps and hands out. Timestamps come out as ISO-8601 UTC strings (what
 * `Date.prototype.toISOString` gives) from both back ends; inputs may be a Date or such a string.
 * Serials are lower-case hex without leading zeros, fingerprints 64 lower-case hex digits.
 */

/** A Date, or a string `Date.parse` reads as an ISO-8601 instant. */
export type Instant = Date | string;

export type AgentState = 'active' | 'revoked';

export interface AgentRecord {
  /** The registered host name the agent's certificate is bound to. */
  readonly name: string;
  readonly tags: readonly string[];
  /** host:port of the agent's HTTPS endpoint, as the control host dials it. */
  readonly address: string;
  /** Agent software version it last reported, if any. */
  readonly version: string | null;
  /** The agent's current certificate (renewal moves it; older ones stay in the certificate table). */
  readonly certSerial: string;
  readonly certNotAfter: string;
  /** SHA-256 of the certificate's DER, hex. */
  readonly certFingerprint: string;
  readonly pairedAt: string;
  readonly lastSeenAt: string | null;
  readonly state: AgentState;
}

/** A certificate as the CA issued it, before the registry records it. */
export interface IssuedCertificate {
  readonly serial: string;
  /** SHA-256 of the DER, hex; colons (as `X509Certificate.fingerprint256` writes them) are accepted. */
  readonly fingerprint: string;
  readonly issuedAt: Instant;
  readonly notAfter: Instant;
}

/** A certificate recorded on its own: the control host's (agentName null), or one bound to a name. */
export interface NewCertificate extends IssuedCertificate {
  readonly agentName: string | null;
}

export interface CertificateRecord {
  readonly serial: string;
  readonly agentName: string | null;
  readonly fingerprint: string;
  readonly issuedAt: string;
  readonly notAfter: string;
  readonly revokedAt: string | null;
}

/**
 * `expired` is never stored: a pending request past its `expiresAt` reads as expired until
 * `purgeExpiredPairings` deletes it. Denied requests are deleted at once, so no state names them.
 */
export type PairingState = 'pending' | 'approved' | 'expired';

export interface PairingRequest {
  /** Random (128 bits, hex): the agent polls with it, so it must not be guessable. */
  readonly id: string;
  readonly agentName: string;
  readonly csrPem: string;
  /** The short verification code shown on both screens. */
  readonly code: string;
  /** What the agent asked to be registered with; approval copies them into its AgentRecord. */
  readonly tags: readonly string[];
  /**
   * host:port the agent asked to be reached at. Empty only for a request stored before the registry
   * kept addresses (schema version 1): such a request cannot be approved without an address.
   */
  readonly address: string;
  readonly version: string | null;
  readonly requestedAt: string;
  readonly expiresAt: string;
  readonly state: PairingState;
  /** The issued certificate, once approved. */
  readonly certPem: string | null;
}

/** Tags, address and version follow the same rules as an agent's (they become its record). */
export interface NewPairingRequest {
  readonly agentName: string;
  readonly csrPem: string;
  readonly code: string;
  readonly tags: readonly string[];
  readonly address: string;
  readonly version: string | null;
  readonly requestedAt: Instant;
  readonly expiresAt: Instant;
}

/**
 * What approval adds to a request. The agent's name is the request's own (the certificate was
 * issued for that request's CSR), so it cannot be given here and cannot disagree. Tags, address and
 * version default to the request's stored ones; a value given here replaces it (version null clears it).
 */
export interface PairingApproval {
  readonly certPem: string;
  readonly certificate: IssuedCertificate;
  readonly tags?: readonly string[];
  readonly address?: string;
  readonly version?: string | null;
  /** When the operator approved; the request must still be unexpired at this instant. */
  readonly pairedAt: Instant;
}

/** Both filters apply together; an empty `names` list matches nothing. */
export interface AgentFilter {
  readonly tag?: string;
  readonly names?: readonly string[];
}
