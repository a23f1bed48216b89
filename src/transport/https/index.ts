export { HttpsTransport } from './https-transport.js';
export type { HttpsTransportOptions } from './https-transport.js';
export { AgentCertificateRenewal } from './certificate-renewal.js';
export type { InstallCertificate } from './certificate-renewal.js';
export {
  CERTIFICATE_PATH,
  RENEWAL_PATH,
  RENEWAL_PROOF_PREFIX,
  CHALLENGE_BYTES,
  ServedCertificateSchema,
  RenewalRequestSchema,
  RenewalOfferSchema,
  InstallCertificateSchema,
} from './renewal-messages.js';
export type { ServedCertificate, RenewalOffer } from './renewal-messages.js';
