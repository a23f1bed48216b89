/** The control host's HTTPS server (pairing, operator API, fleet fan-out) and the clients the control and fleet commands use. */
export { ControlServer, DEFAULT_PAIRING_TTL_MS } from './control-server.js';
export { API_TOKEN_FILE } from './api-token.js';
export type { ControlServerOptions } from './control-server.js';
export { createControlLogger } from './logger.js';
export type { ControlLogger } from './logger.js';
export { OperatorClient } from './operator-client.js';
export { SERVER_FILE, localUrlOf, readServerFile, removeServerFile, writeServerFile } from './server-file.js';
export { DEFAULT_PAIRING_MINUTES, MAX_PAIRING_MINUTES } from './pairing-window.js';
export type { AgentView, PairingModeState, PendingPairingView } from './operator-messages.js';
export { operatorCredentials } from './operator-client.js';
export { FleetApiClient } from './fleet-client.js';
export type { FleetLine } from './fleet-client.js';
export { FLEET_PING_PATH, FLEET_RUNS_PATH } from './fleet-messages.js';
