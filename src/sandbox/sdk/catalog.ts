import { FS_FUNCTIONS } from './fs/index.js';
import { NET_FUNCTIONS } from './net/index.js';
import { PROC_FUNCTIONS } from './proc/index.js';
import { SYS_FUNCTIONS } from './sys/index.js';
import { SYSTEMD_FUNCTIONS } from './systemd/index.js';

/** One script function as `writ functions` lists it: what it is called and which Cedar requests it makes. */
export interface FunctionInfo {
  /** e.g. `net.get` */
  readonly name: string;
  /** e.g. `net.get(url, {headers?}) -> {status, headers, body, url}` */
  readonly signature: string;
  /** Every Cedar action the function may ask, e.g. `network::Action::"GET"`. */
  readonly actions: readonly string[];
  readonly description: string;
}

/** Every function the guest can call, with the Cedar actions it is authorized by. */
export const FUNCTIONS: readonly FunctionInfo[] = Object.freeze([
  ...FS_FUNCTIONS.map(withDescription),
  ...NET_FUNCTIONS,
  ...PROC_FUNCTIONS,
  ...SYS_FUNCTIONS,
  ...SYSTEMD_FUNCTIONS,
]);

/** Accepts entries written before `description` existed (fs's own FsFunctionInfo), so the catalog stays uniform. */
function withDescription(info: Omit<FunctionInfo, 'description'> & { readonly description?: string }): FunctionInfo {
  return { name: info.name, signature: info.signature, actions: info.actions, description: info.description ?? '' };
}
