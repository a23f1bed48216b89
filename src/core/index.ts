export { WritError, UsageError, hasCode, messageOf } from './errors.js';
export type { JsonPrimitive, JsonValue, JsonObject } from './json.js';
export { isJsonObject } from './json.js';
export { monotonicMs } from './clock.js';
export { defaultStateDir } from './state-dir.js';
export { WRIT_CONTAINER_OVERHEAD, maxWritBytesFor } from './writ-size.js';
export { RUN_LIMIT_BOUNDS } from './run-limit-bounds.js';
