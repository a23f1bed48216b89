import { FS_FUNCTIONS } from './fs/index.js';
import { INPUTS_FUNCTIONS } from './inputs/index.js';
import { NET_FUNCTIONS } from './net/index.js';
import { PROC_FUNCTIONS } from './proc/index.js';
import { SYS_FUNCTIONS } from './sys/index.js';
import { SYSTEMD_FUNCTIONS } from './systemd/index.js';
import type { FunctionInfo } from './function-info.js';

export type { FunctionInfo } from './function-info.js';

/** Every function the guest can call, with the Cedar actions it is authorized by. */
export const FUNCTIONS: readonly FunctionInfo[] = Object.freeze([
  ...FS_FUNCTIONS,
  ...NET_FUNCTIONS,
  ...PROC_FUNCTIONS,
  ...SYS_FUNCTIONS,
  ...SYSTEMD_FUNCTIONS,
  ...INPUTS_FUNCTIONS,
]);
