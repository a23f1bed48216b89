/** The control host's private CA: keys, certificates, serials and certificate requests. */
export { PkiError } from './errors.js';
export type { PkiErrorCode } from './errors.js';
export { PKI_KEY_TYPES, pkiKeyTypeOf, generatePkiKeyPair } from './key-algorithms.js';
export type { PkiKeyType } from './key-algorithms.js';
export { SERIAL_BYTES, randomSerial, drawUniqueSerial, isSerialHex, FileSerialLedger } from './serial.js';
export type { SerialLedger, RandomSource } from './serial.js';
export { CLOCK_SKEW_MS, buildCertificate } from './certificate-builder.js';
export type { BuiltCertificate, CertificateProfile, CertificateSigner, CertificateSpec, CertificateUsage } from './certificate-builder.js';
export { caPaths } from './ca-layout.js';
export type { CaPaths } from './ca-layout.js';
export {
  CONTROL_COMMON_NAME,
  DEFAULT_CA_KEY_TYPE,
  DEFAULT_CA_NAME,
  DEFAULT_CA_VALIDITY_DAYS,
  DEFAULT_CONTROL_DNS_NAMES,
  DEFAULT_CONTROL_IPS,
  DEFAULT_CONTROL_VALIDITY_DAYS,
  MAX_CA_VALIDITY_DAYS,
  MAX_LEAF_VALIDITY_DAYS,
  CertificateAuthority,
  certificateFingerprint,
  initCa,
  loadCa,
} from './ca.js';
export type { InitCaOptions, InitCaResult, IssueRequest } from './ca.js';
export { DEFAULT_CSR_LIMITS, createCsr, parseCsr } from './csr.js';
export type { CreateCsrOptions, CsrLimits, ParsedCsr } from './csr.js';
export { COMMON_NAME_PATTERN, hostNameUri } from './names.js';
export { DEFAULT_AGENT_VALIDITY_DAYS, issueAgentCertificate } from './agent-certificate.js';
export type { AgentSubject, IssuedAgentCertificate } from './agent-certificate.js';
export { rotateControlCertificate } from './control-rotation.js';
export type { RotatedControlCertificate } from './control-rotation.js';
