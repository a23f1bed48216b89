import { z } from 'zod';

/**
 * The pairing protocol's messages (agent <-> control host, HTTPS). The agent sends its request on a
 * fresh TLS 1.3 connection and computes the pairing code from that same connection; so does the
 * control host, which stores its code with the request for the operator to compare.
 *
 *   POST /v1/pairing/requests            (no client certificate; pairing mode must be on)
 *        PairingRequestBody -> 202 PairingRequestAccepted | 403 PAIRING_CLOSED | 400
 *   GET  /v1/pairing/requests/{id}       -> PairingStatus | 404 (denied, expired or unknown: nothing left)
 */
export const PAIRING_REQUESTS_PATH = '/v1/pairing/requests';

export const PairingRequestBodySchema = z
  .object({
    /** The host name the certificate will be bound to (SAN URI writ:host:<name>). */
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/),
    /** PKCS#10 request in PEM; its key is the agent's, proven by the request's own signature. */
    csr: z.string().min(1).max(16 * 1024),
    tags: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/)).max(64).default([]),
    /** Where the control host reaches the agent's HTTPS transport, host:port. */
    address: z.string().regex(/^[^\s/]+:\d{1,5}$/),
    version: z.string().max(64).optional(),
  })
  .strict();
export type PairingRequestBody = z.input<typeof PairingRequestBodySchema>;

export const PairingRequestAcceptedSchema = z.object({
  id: z.string().min(16),
  expiresAt: z.string(),
  /** The CA the agent will pin, shown now, trusted only after the operator approves. */
  caCertificate: z.string(),
});
export type PairingRequestAccepted = z.infer<typeof PairingRequestAcceptedSchema>;

export const PairingStatusSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('pending'), expiresAt: z.string() }),
  z.object({ state: z.literal('approved'), certificate: z.string() }),
]);
export type PairingStatus = z.infer<typeof PairingStatusSchema>;
