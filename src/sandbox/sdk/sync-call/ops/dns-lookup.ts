import { lookup } from 'node:dns/promises';
import type { LookupRequest, LookupResponse } from '../protocol.js';
import { OpFailure } from './op-failure.js';

/** Resolves a host name the way connect() would (getaddrinfo, /etc/hosts included); unique addresses. */
export async function dnsLookup(req: LookupRequest, signal: AbortSignal): Promise<LookupResponse> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => { reject(new OpFailure('TIMEOUT', `lookup of ${req.hostname} timed out`)); }, Math.max(1, req.timeoutMs));
    signal.addEventListener('abort', () => { reject(new OpFailure('CANCELLED', 'lookup cancelled')); }, { once: true });
  });
  try {
    const found = await Promise.race([lookup(req.hostname, { all: true, verbatim: true }), timeout]);
    return { addresses: [...new Set(found.map((entry) => entry.address))] };
  } catch (err) {
    if (err instanceof OpFailure) throw err;
    const code = err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : 'UNKNOWN';
    throw new OpFailure('DNS_ERROR', `cannot resolve ${req.hostname}: ${code}`);
  } finally {
    clearTimeout(timer);
  }
}
