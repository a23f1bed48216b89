export { S3Transport } from './s3-transport.js';
export { probeS3 } from './probe.js';
export type { S3TransportOptions } from './options.js';
