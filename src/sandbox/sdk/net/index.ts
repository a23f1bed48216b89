import type { HostModule } from '../../host-api.js';
import type { FunctionInfo } from '../function-info.js';
import type { SdkContext } from '../context.js';
import type { SyncCaller } from '../sync-call/index.js';
import { netGet } from './get.js';
import { netResolve } from './resolve.js';

export { MAX_REDIRECTS } from './get.js';

/** The guest's `net` global. Blocking calls go through the shared sync-call worker. */
export function createNetModule(ctx: SdkContext, caller: SyncCaller): HostModule {
  return Object.freeze({
    get: (url, options) => netGet(ctx, caller, url, options),
    resolve: (host) => netResolve(ctx, caller, host),
  });
}

export const NET_FUNCTIONS: readonly FunctionInfo[] = [
  {
    name: 'net.get',
    signature: 'net.get(url, {headers?}) -> {status, headers, body, url}',
    actions: ['network::Action::"GET"'],
    description:
      'HTTP(S) GET on network::url::"<url>" (attr url). Redirects (max 5) are followed only after the new URL is authorized too; body capped at the read limit, decoded as UTF-8; no proxy, no cookies.',
  },
  {
    name: 'net.resolve',
    signature: 'net.resolve(host) -> string[]',
    actions: ['sysinfo::Action::"resolve_hostname"'],
    description: 'Resolves a host name (getaddrinfo) on sysinfo::Hostname::"<host>" (attr hostname); returns unique addresses.',
  },
];
