import http from 'node:http';
import https from 'node:https';
import type { HttpGetRequest, HttpGetResponse } from '../protocol.js';
import { OpFailure } from './op-failure.js';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * One HTTP GET, no redirect following (the caller authorizes each hop), no proxy, no cookies, no
 * connection reuse, no decompression (a compressed bomb can't expand past the cap: we never ask for
 * gzip and never inflate). The body is capped at `maxBytes` while streaming.
 */
export function httpGet(req: HttpGetRequest, signal: AbortSignal): Promise<HttpGetResponse> {
  return new Promise<HttpGetResponse>((resolve, reject) => {
    const url = new URL(req.url);
    const client = url.protocol === 'https:' ? https : http;
    const timer = setTimeout(() => {
      request.destroy(new OpFailure('TIMEOUT', `request to ${url.href} timed out`));
    }, Math.max(1, req.timeoutMs));
    const finish = (fn: () => void): void => {
      clearTimeout(timer);
      fn();
    };
    // agent:false -> a fresh socket per request, so nothing of one run's connections leaks into another.
    const request = client.request(url, { method: 'GET', headers: req.headers, agent: false, signal }, (res) => {
      const status = res.statusCode ?? 0;
      const headers = flattenHeaders(res.headers);
      // A redirect's body is never shown to the script: skip reading it so its size cannot matter.
      if (REDIRECTS.has(status) && headers.location !== undefined) {
        res.destroy();
        finish(() => { resolve({ status, headers, body: '' }); });
        return;
      }
      const declared = Number(headers['content-length'] ?? '0');
      if (Number.isFinite(declared) && declared > req.maxBytes) {
        res.destroy();
        finish(() => { reject(tooLarge(req.maxBytes)); });
        return;
      }
      const chunks: Buffer[] = [];
      let total = 0;
      res.on('data', (chunk: Buffer) => {
        total += chunk.length;
        // Stop reading as soon as the cap is passed: memory stays bounded whatever the server sends.
        if (total > req.maxBytes) {
          res.destroy();
          finish(() => { reject(tooLarge(req.maxBytes)); });
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        const body = new TextDecoder('utf-8').decode(Buffer.concat(chunks));
        finish(() => { resolve({ status, headers, body }); });
      });
      res.on('error', (err) => { finish(() => { reject(asFailure(err)); }); });
    });
    request.on('error', (err) => { finish(() => { reject(asFailure(err)); }); });
    request.end();
  });
}

function flattenHeaders(raw: http.IncomingHttpHeaders): Record<string, string> {
  const out = new Map<string, string>();
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    out.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  // Server-chosen names (even `__proto__`) must stay plain data properties.
  return Object.fromEntries(out);
}

function tooLarge(max: number): OpFailure {
  return new OpFailure('RESPONSE_TOO_LARGE', `response body exceeds the limit of ${max} bytes`);
}

function asFailure(err: unknown): OpFailure {
  if (err instanceof OpFailure) return err;
  if (err instanceof Error && err.name === 'AbortError') return new OpFailure('CANCELLED', 'request cancelled');
  const code = err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : 'UNKNOWN';
  const message = err instanceof Error ? err.message : String(err);
  return new OpFailure('NETWORK_ERROR', `${code}: ${message}`);
}
