export { PAIRING_CODE_PATTERN, PAIRING_EXPORTER_LABEL, exportedKeyingMaterial, normalizePairingCode, pairingCode, peerCertificateKey } from './code.js';
export { PAIRING_REQUESTS_PATH, PairingRequestAcceptedSchema, PairingRequestBodySchema, PairingStatusSchema } from './messages.js';
export type { PairingRequestAccepted, PairingRequestBody, PairingStatus } from './messages.js';
export { requestPairing } from './client.js';
export type { PairingResult, RequestPairingOptions } from './client.js';
