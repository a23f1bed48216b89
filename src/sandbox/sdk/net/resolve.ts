import { monotonicMs } from '../../../core/clock.js';
import { SdkError } from '../../errors.js';
import type { HostValue } from '../../host-api.js';
import { action, authorize } from '../authorize.js';
import type { SdkContext } from '../context.js';
import { stringArg } from '../host-args.js';
import type { SyncCaller } from '../sync-call/index.js';
import { hostnameEntity } from './entities.js';

const RESOLVE = action('sysinfo', 'resolve_hostname');
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * Canonical host name: lower case, one trailing dot dropped, DNS label syntax only. Anything else
 * (spaces, `%`, IPv6 brackets) is refused, so the name authorized is the name looked up.
 */
export function canonicalHostname(input: string): string {
  let host = input.toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  const labels = host.split('.');
  if (host.length === 0 || host.length > 253 || !labels.every((label) => LABEL.test(label))) {
    throw new SdkError('INVALID_ARGUMENT', `not a valid host name: ${JSON.stringify(input)}`);
  }
  return host;
}

/** `net.resolve(host) -> string[]`: `sysinfo::Action::"resolve_hostname"` on `sysinfo::Hostname::"<host>"`. */
export function netResolve(ctx: SdkContext, caller: SyncCaller, hostArg: HostValue): string[] {
  const hostname = canonicalHostname(stringArg(hostArg, 'host', { nonEmpty: true }));
  ctx.budget.spend();
  const { resource, entities } = hostnameEntity(hostname);
  // Resolution itself reveals internal names and reaches DNS servers, so it is authorized first.
  authorize(ctx, RESOLVE, resource, entities);
  const timeoutMs = Math.max(1, Math.floor(ctx.deadline - monotonicMs()));
  return [...caller.call('dns.lookup', { hostname, timeoutMs }, ctx.deadline).addresses];
}
