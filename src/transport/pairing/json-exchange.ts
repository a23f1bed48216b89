import { request, type Agent } from 'node:https';
import type { TLSSocket } from 'node:tls';

/** Certificates and a CA fit in a few kilobytes; an unpaired server must not make us buffer more. */
const MAX_ANSWER_BYTES = 256 * 1024;

export interface JsonAnswer {
  readonly status: number;
  /** The parsed body, or undefined when it was empty or not JSON. */
  readonly body: unknown;
}

export interface JsonExchange {
  readonly host: string;
  readonly port: number;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: unknown;
  readonly timeoutMs: number;
  /** Send on this already-open connection (the one the pairing code was computed from). */
  readonly socket?: TLSSocket;
  /** Or open connections through this agent (which verifies each new one). */
  readonly agent?: Agent;
  readonly signal?: AbortSignal;
}

/** One HTTP request over TLS with a JSON body; the answer's size and time are bounded. */
export function exchangeJson(exchange: JsonExchange): Promise<JsonAnswer> {
  const payload = exchange.body === undefined ? undefined : Buffer.from(JSON.stringify(exchange.body));
  return new Promise((resolve, reject) => {
    const { socket } = exchange;
    const req = request({
      host: exchange.host,
      port: exchange.port,
      method: exchange.method,
      path: exchange.path,
      headers: payload === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json', 'content-length': payload.length },
      ...(socket === undefined ? { agent: exchange.agent } : { createConnection: () => socket }),
      ...(exchange.signal === undefined ? {} : { signal: exchange.signal }),
    });
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(err);
    };
    const timer = setTimeout(() => {
      fail(new Error(`no answer from ${exchange.host}:${exchange.port} within ${exchange.timeoutMs} ms`));
    }, exchange.timeoutMs);
    req.on('error', fail);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('error', fail);
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) fail(new Error(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`));
        else chunks.push(chunk);
      });
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: parseJson(Buffer.concat(chunks).toString('utf8')) });
      });
    });
    req.end(payload);
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The `{ error: { code, message } }` a writ server answers with, or undefined. */
export function errorOf(body: unknown): { code: string; message: string } | undefined {
  if (typeof body !== 'object' || body === null || !('error' in body)) return undefined;
  const error: unknown = body.error;
  if (typeof error !== 'object' || error === null) return undefined;
  const code = 'code' in error && typeof error.code === 'string' ? error.code : 'UNKNOWN';
  const message = 'message' in error && typeof error.message === 'string' ? error.message : '';
  return { code, message };
}
