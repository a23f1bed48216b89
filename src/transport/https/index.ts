export { HttpsTransport } from './https-transport.js';
export type { HttpsTransportOptions } from './https-transport.js';
