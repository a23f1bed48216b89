import { SdkError } from '../../errors.js';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Headers the script may not set. `host` would let a request authorized for one URL reach another
 * virtual host; the framing and hop-by-hop ones could smuggle a second request or alter the connection.
 */
const FORBIDDEN = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'keep-alive',
  'expect',
  'proxy-connection',
]);

/** Credentials that must not follow a redirect to another origin (as browsers and fetch do). */
const CREDENTIALS = new Set(['authorization', 'cookie', 'proxy-authorization']);

/** Validates guest request headers into lower-case names with CR/LF-free values. */
export function requestHeaders(input: Readonly<Record<string, string>>): Record<string, string> {
  const out = new Map<string, string>();
  for (const [rawName, value] of Object.entries(input)) {
    const name = rawName.toLowerCase();
    if (!TOKEN.test(name)) throw new SdkError('INVALID_ARGUMENT', `invalid header name: ${JSON.stringify(rawName)}`);
    // Checked before the request is built, so header injection is refused rather than left to Node.
    if (/[\r\n\0]/.test(value)) throw new SdkError('INVALID_ARGUMENT', `header ${name} contains CR, LF or NUL`);
    if (FORBIDDEN.has(name)) throw new SdkError('INVALID_ARGUMENT', `header ${name} may not be set by scripts`);
    if (out.has(name)) throw new SdkError('INVALID_ARGUMENT', `header ${name} given twice`);
    out.set(name, value);
  }
  // A Map then fromEntries: header names like `__proto__` or `constructor` stay plain data.
  return Object.fromEntries(out);
}

/** The headers to send to a redirect target on another origin: credentials removed. */
export function withoutCredentials(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !CREDENTIALS.has(name)));
}
