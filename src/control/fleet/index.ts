/** The control host's side of the fleet: verified mTLS calls to agents, revocation at the handshake. */
export { AgentClient, DEFAULT_AGENT_TIMEOUT_MS } from './agent-client.js';
export type { AgentClientOptions, AgentRunEvent, LogChunk, SubmitAnswer } from './agent-client.js';
export type { ErrorAnswer } from './agent-answers.js';
export { FleetError } from './errors.js';
export type { FleetErrorCode } from './errors.js';
export { serialHexOf } from './peer-identity.js';
export type { RevocationCheck } from './peer-identity.js';
export { refuseRevokedClients } from './revocation-guard.js';
export type { RevocationRefusal } from './revocation-guard.js';
export { FleetClients } from './fleet-clients.js';
export type { FleetIdentity } from './fleet-clients.js';
