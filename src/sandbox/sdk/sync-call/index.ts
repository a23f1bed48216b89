export { SyncCaller } from './caller.js';
export type { HttpGetRequest, HttpGetResponse, LookupRequest, LookupResponse, OpMap, OpName } from './protocol.js';
