// Bundle archives: the defensive reader and the deterministic writer (see unpack.ts and pack.ts).
export { unpackBundle } from './unpack.js';
export { packBundle } from './pack.js';
export { DEFAULT_UNPACK_LIMITS } from './limits.js';
export type { UnpackLimits } from './limits.js';
export { normalizeBundlePath } from './paths.js';
export type { BundleEntryKind } from './paths.js';
