export { runInSandbox, maximumPages } from './run.js';
export { enableSpareInstances } from './spare-instance.js';
export { GUEST_STACK_BYTES } from './session.js';
export { STANDARD_GLOBALS, ENGINE_GLOBALS } from './guest-globals.js';
