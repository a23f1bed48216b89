import { z } from 'zod';

/**
 * Certificate renewal between the control host (client) and a paired agent (server), over the mTLS
 * connection both sides already verified. The agent makes a new key and proves it holds it; the
 * control host issues a certificate for that key; the agent checks and installs it.
 */
export const CERTIFICATE_PATH = '/v1/certificate';
export const RENEWAL_PATH = '/v1/certificate/renewal';

/**
 * The agent signs this prefix followed by the control host's random challenge: the prefix keeps the
 * signature from meaning anything in another protocol that uses the same key.
 */
export const RENEWAL_PROOF_PREFIX = 'writ-certificate-renewal-v1\0';
export const CHALLENGE_BYTES = 32;

const base64 = z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/).max(4096);
const pem = z.string().min(1).max(64 * 1024);

/** GET /v1/certificate: the certificate the agent serves right now. */
export const ServedCertificateSchema = z.object({
  serial: z.string().regex(/^[0-9a-f]+$/),
  fingerprint: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
});
export type ServedCertificate = z.infer<typeof ServedCertificateSchema>;

/** POST /v1/certificate/renewal. */
export const RenewalRequestSchema = z.object({ challenge: base64 });
export const RenewalOfferSchema = z.object({
  /** SPKI PEM of the agent's new key. */
  publicKey: pem,
  /** Signature by the new key over RENEWAL_PROOF_PREFIX + challenge bytes (base64). */
  signature: base64,
});
export type RenewalOffer = z.infer<typeof RenewalOfferSchema>;

/** PUT /v1/certificate. */
export const InstallCertificateSchema = z.object({ certificate: pem });
