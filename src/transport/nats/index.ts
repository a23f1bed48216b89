export { NatsTransport } from './nats-transport.js';
export { probeNats } from './probe.js';
export { subjectToken, runSubject, resultSubject, type RunTarget } from './subjects.js';
export { publishWrit, readResult, type ResultSnapshot } from './client.js';
export { LOG_CHUNK_BYTES, OFFSET_HEADER, RUN_ID_HEADER, type DoneBody } from './publisher.js';
export type { NatsTransportOptions } from './options.js';
