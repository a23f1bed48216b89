/** Signer authentication for writs: signatures, pinned keys, CA chains and revocation. */
export { authenticate } from './authenticate.js';
export type { AuthenticateInput, SignerIdentity } from './authenticate.js';
export { MAX_PATH_LENGTH, verifyChain } from './chain.js';
export { certSerial, keyFingerprint, normalizeSerial } from './fingerprint.js';
export { EMPTY_REVOCATIONS, MAX_REVOCATION_FILE_BYTES, loadRevocationList } from './revocation.js';
export type { RevocationList } from './revocation.js';
export { MIN_RSA_BITS, keyPolicyViolation, signDetached, verifyDetached } from './signature.js';
export { MAX_TRUST_FILE_BYTES, MAX_TRUST_FILES, loadTrust } from './trust-store.js';
export type { TrustStore, TrustedKey } from './trust-store.js';
export { certProfile } from './x509-profile.js';
export type { CertProfile } from './x509-profile.js';
