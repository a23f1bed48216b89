import { monotonicMs } from '../../../core/clock.js';
import { SdkError } from '../../errors.js';
import type { HostValue } from '../../host-api.js';
import { action, authorize } from '../authorize.js';
import type { SdkContext } from '../context.js';
import { optionsArg, stringArg, stringRecordArg } from '../host-args.js';
import type { SyncCaller } from '../sync-call/index.js';
import { requestHeaders, withoutCredentials } from './headers.js';
import { urlEntity } from './entities.js';
import { canonicalHttpUrl, sameOrigin } from './url.js';

/** Redirects followed before giving up with TOO_MANY_REDIRECTS (so at most 6 requests per call). */
export const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const GET = action('network', 'GET');

export type NetGetResult = {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The URL that produced this response (differs from the input after redirects). */
  readonly url: string;
};

/**
 * `net.get(url, {headers?})`. Every URL, the first and each redirect target, is authorized as
 * `network::Action::"GET"` on `network::url::"<url>"` BEFORE it is requested; REX follows redirects
 * unchecked, we do not.
 */
export function netGet(ctx: SdkContext, caller: SyncCaller, urlArg: HostValue, optionsValue: HostValue): NetGetResult {
  const options = optionsArg(optionsValue, 'net.get options', ['headers']);
  let url = canonicalHttpUrl(stringArg(urlArg, 'url', { nonEmpty: true }));
  let headers = requestHeaders(stringRecordArg(options.headers, 'headers'));
  ctx.budget.spend();
  for (let redirects = 0; ; redirects++) {
    const { resource, entities } = urlEntity(url);
    // Each hop is a new request to a new resource: it must be permitted on its own.
    authorize(ctx, GET, resource, entities);
    const response = caller.call(
      'http.get',
      { url, headers, maxBytes: ctx.maxReadBytes, timeoutMs: Math.max(1, Math.floor(ctx.deadline - monotonicMs())) },
      ctx.deadline,
    );
    const location = response.headers.location;
    if (!REDIRECTS.has(response.status) || location === undefined) {
      return { status: response.status, headers: response.headers, body: response.body, url };
    }
    // Bounded: a redirect loop (or a long chain) ends here instead of consuming the run.
    if (redirects >= MAX_REDIRECTS) {
      throw new SdkError('TOO_MANY_REDIRECTS', `more than ${MAX_REDIRECTS} redirects starting from ${url}`);
    }
    const next = canonicalHttpUrl(location, url);
    // Credentials given for one origin are not handed to another.
    if (!sameOrigin(url, next)) headers = withoutCredentials(headers);
    url = next;
    // Every followed redirect is one more host operation.
    ctx.budget.spend();
  }
}
