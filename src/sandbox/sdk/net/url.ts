import { SdkError } from '../../errors.js';

/**
 * Parses a guest URL into the canonical string that is both authorized and requested (WHATWG
 * serialization: lower-case host, default port dropped, dot segments resolved), so a policy's
 * `resource.url` always names the exact request.
 */
export function canonicalHttpUrl(input: string, base?: string): string {
  let url: URL;
  try {
    url = base === undefined ? new URL(input) : new URL(input, base);
  } catch {
    throw new SdkError('INVALID_URL', `not a valid URL: ${input}`);
  }
  // Only plain HTTP(S): file:, data:, ftp: ... would reach objects the network policy never speaks of.
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SdkError('UNSUPPORTED_SCHEME', `only http and https URLs are allowed: ${url.protocol}`);
  }
  // Userinfo is refused: `http://allowed.example@evil.example/` would fool prefix-matching policies.
  if (url.username !== '' || url.password !== '') {
    throw new SdkError('INVALID_URL', 'URLs with user:password@ are not allowed; send an Authorization header');
  }
  if (url.hostname === '') throw new SdkError('INVALID_URL', `URL has no host: ${input}`);
  // The fragment never reaches the server; dropping it keeps one URL one resource.
  url.hash = '';
  return url.href;
}

export function sameOrigin(a: string, b: string): boolean {
  return new URL(a).origin === new URL(b).origin;
}
