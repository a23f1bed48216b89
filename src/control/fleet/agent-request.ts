import type { ClientRequest, IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { request, type Agent } from 'node:https';
import { FleetError, fleetErrorOf } from './errors.js';

/** Where and how one agent is reached: a verified connection pool and the limits of one call. */
export interface AgentEndpoint {
  readonly name: string;
  readonly hostname: string;
  readonly port: number;
  readonly pool: Agent;
  /** Until the whole answer is in (headers for a stream); beyond it AGENT_UNREACHABLE. */
  readonly timeoutMs: number;
}

export interface AgentAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface CallOptions {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly body?: Uint8Array;
  readonly headers?: Record<string, string>;
  /** The agent is authenticated, not infallible: an answer beyond this is AGENT_HTTP_ERROR. */
  readonly maxAnswerBytes: number;
}

/**
 * A kept-alive connection the agent closed while idle (it restarted, or its keep-alive timer won the
 * race) fails the next request with a reset before any answer. Node leaves the retry to the caller
 * (`req.reusedSocket`); one retry on a fresh, fully verified connection is safe even for a POST: a
 * request on such a connection was almost surely never read, and if it was, the agent's replay
 * store refuses the same writ the second time.
 */
class StaleConnection extends Error {}

function isStale(req: ClientRequest, answered: boolean, err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return req.reusedSocket && !answered && (code === 'ECONNRESET' || code === 'EPIPE');
}

async function retryingStale<T>(attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch (err) {
    if (err instanceof StaleConnection) return attempt();
    throw err;
  }
}

/** One request and its whole answer. Rejects only with FleetError. */
export function callAgent(endpoint: AgentEndpoint, options: CallOptions): Promise<AgentAnswer> {
  return retryingStale(() => callOnce(endpoint, options)).catch((err: unknown) => {
    throw fleetErrorOf(err instanceof StaleConnection ? err.cause : err, endpoint.name);
  });
}

function callOnce(endpoint: AgentEndpoint, options: CallOptions): Promise<AgentAnswer> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let answered = false;
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(isStale(req, answered, err) ? new StaleConnection('stale connection', { cause: err }) : fleetErrorOf(err, endpoint.name));
    };
    const req = request({ hostname: endpoint.hostname, port: endpoint.port, method: options.method, path: options.path, agent: endpoint.pool, headers: options.headers ?? {} });
    const timer = setTimeout(() => {
      fail(new FleetError('AGENT_UNREACHABLE', `agent ${endpoint.name}: no complete answer to ${options.method} ${options.path} within ${endpoint.timeoutMs} ms`));
    }, endpoint.timeoutMs);
    req.on('error', fail);
    req.on('response', (res) => {
      answered = true;
      readAll(res, options.maxAnswerBytes, endpoint.name).then((body) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      }, fail);
    });
    req.end(options.body);
  });
}

/** Reads a response body up to `maxBytes`; a body cut short by the connection is AGENT_UNREACHABLE. */
export function readAll(res: IncomingMessage, maxBytes: number, name: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        res.destroy(new FleetError('AGENT_HTTP_ERROR', `agent ${name}: the answer exceeds ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    res.on('error', reject);
    res.on('end', () => {
      resolve(Buffer.concat(chunks));
    });
    res.on('close', () => {
      if (!res.complete) reject(new FleetError('AGENT_UNREACHABLE', `agent ${name}: the connection closed in the middle of an answer`));
    });
  });
}

export interface StreamHandlers {
  /** Text as it arrives; throwing ends the stream with that error. */
  onText(text: string): void;
  /** The agent ended the stream; throws when the stream is incomplete without it. */
  onEnd(): void;
  /** An answer other than 200, with its (bounded) body. */
  onStatus(answer: AgentAnswer): void;
}

/**
 * A long-lived GET (server-sent events). `timeoutMs` covers getting the headers; after them, silence
 * longer than `idleMs` (the agent sends heartbeats) is AGENT_UNREACHABLE. Aborting `signal` ends
 * the stream quietly: the promise resolves.
 */
export function streamAgent(endpoint: AgentEndpoint, path: string, idleMs: number, handlers: StreamHandlers, signal?: AbortSignal): Promise<void> {
  return retryingStale(() => streamOnce(endpoint, path, idleMs, handlers, signal)).catch((err: unknown) => {
    throw fleetErrorOf(err instanceof StaleConnection ? err.cause : err, endpoint.name);
  });
}

function streamOnce(endpoint: AgentEndpoint, path: string, idleMs: number, handlers: StreamHandlers, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let answered = false;
    const finish = (err: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      req.destroy();
      if (err === null) resolve();
      else reject(isStale(req, answered, err) ? new StaleConnection('stale connection', { cause: err }) : fleetErrorOf(err, endpoint.name));
    };
    const run = (step: () => void): void => {
      try {
        step();
      } catch (err) {
        finish(err);
      }
    };
    const onAbort = (): void => {
      finish(null);
    };
    const req = request({ hostname: endpoint.hostname, port: endpoint.port, method: 'GET', path, agent: endpoint.pool, headers: { accept: 'text/event-stream' } });
    let timer = setTimeout(() => {
      finish(new FleetError('AGENT_UNREACHABLE', `agent ${endpoint.name}: no answer to GET ${path} within ${endpoint.timeoutMs} ms`));
    }, endpoint.timeoutMs);
    const resetIdle = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        finish(new FleetError('AGENT_UNREACHABLE', `agent ${endpoint.name}: the event stream was silent for ${idleMs} ms`));
      }, idleMs);
    };
    if (signal?.aborted) {
      finish(null);
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', finish);
    req.on('response', (res) => {
      answered = true;
      if (res.statusCode !== 200) {
        readAll(res, 64 * 1024, endpoint.name).then((body) => {
          run(() => {
            handlers.onStatus({ status: res.statusCode ?? 0, headers: res.headers, body });
          });
          finish(null);
        }, finish);
        return;
      }
      resetIdle();
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        resetIdle();
        run(() => {
          handlers.onText(text);
        });
      });
      res.on('error', finish);
      res.on('end', () => {
        run(() => {
          handlers.onEnd();
        });
        finish(null);
      });
      res.on('close', () => {
        if (!res.complete) finish(new FleetError('AGENT_UNREACHABLE', `agent ${endpoint.name}: the event stream broke off`));
      });
    });
    req.end();
  });
}
