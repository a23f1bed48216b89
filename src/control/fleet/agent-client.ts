import type { z } from 'zod';
import { WritError } from '../../core/errors.js';
import { parseHostPort } from '../../core/host-port.js';
import type { RunView } from '../../transport/index.js';
import { CERTIFICATE_PATH, RENEWAL_PATH, RenewalOfferSchema, ServedCertificateSchema, type RenewalOffer, type ServedCertificate } from '../../transport/https/renewal-messages.js';
import { COMMON_NAME_PATTERN } from '../pki/index.js';
import { agentErrorCodeOf, jsonOf, outputEventOf, parseAnswer, runViewOf, submitBodyOf, type ErrorAnswer } from './agent-answers.js';
import { callAgent, streamAgent, type AgentAnswer, type AgentEndpoint, type CallOptions } from './agent-request.js';
import { FleetError } from './errors.js';
import type { RevocationCheck } from './peer-identity.js';
import { SseParser } from './sse-parser.js';
import { VerifiedAgentPool } from './verified-agent-pool.js';

export interface AgentClientOptions {
  /** The registered agent name; its certificate must carry the URI `writ:host:<name>`. */
  readonly name: string;
  /** `host:port`, an IPv6 literal in brackets. */
  readonly address: string;
  /** The control CA's certificate: the only issuer an agent certificate may have. */
  readonly caPem: string;
  /** The control host's own client certificate (URI `writ:control`) and key. */
  readonly certPem: string;
  readonly keyPem: string;
  /** Asked with each new connection's serial before anything is sent, and again before each request. */
  readonly isRevoked: RevocationCheck;
  /** Per call: connect, handshake and the whole answer (the headers, for `events`). Default 10 s. */
  readonly timeoutMs?: number;
}

export type SubmitAnswer =
  | { readonly status: number; readonly accepted: true; readonly run: RunView }
  | { readonly status: number; readonly accepted: false; readonly run: RunView | null; readonly error: ErrorAnswer };

export interface LogChunk {
  readonly bytes: Buffer;
  readonly offset: number;
  readonly nextOffset: number;
  /** The run is final and every byte of its log has been returned. */
  readonly done: boolean;
}

export type AgentRunEvent =
  | { readonly type: 'output'; readonly stream: 'stdout' | 'log' | null; readonly offset: number; readonly text: string; readonly nextOffset: number }
  | { readonly type: 'finished'; readonly run: RunView };

export const DEFAULT_AGENT_TIMEOUT_MS = 10_000;
/** The agent sends a heartbeat every 15 s; three missed ones mean the stream is dead. */
const EVENTS_IDLE_MS = 45_000;
const MAX_JSON_ANSWER_BYTES = 64 * 1024 * 1024;
const MAX_EVENT_CHARS = 16 * 1024 * 1024;
const DEFAULT_LOG_SLICE = 1024 * 1024;
/** Statuses of `POST /v1/runs` that answer about the writ (accepted, rejected, busy, malformed, too large). */
const SUBMIT_ANSWERS = new Set([202, 400, 413, 422, 503]);

const runPath = (runId: string, rest = ''): string => `/v1/runs/${encodeURIComponent(runId)}${rest}`;

/**
 * The control host's connection to one registered agent over mutual TLS. Every connection proves
 * the agent's identity (its certificate chains to our CA and is bound to `name`) and that its
 * serial is not revoked before a byte of any request is sent. Failures are FleetError codes.
 */
export class AgentClient {
  readonly name: string;
  readonly #pool: VerifiedAgentPool;
  readonly #endpoint: AgentEndpoint;

  constructor(options: AgentClientOptions) {
    // The name becomes the URI the agent's certificate must carry; the CA allows only this pattern.
    if (!COMMON_NAME_PATTERN.test(options.name)) throw new WritError('OPTION_INVALID', `agent name "${options.name}" must match ${String(COMMON_NAME_PATTERN)}`);
    const timeoutMs = options.timeoutMs ?? DEFAULT_AGENT_TIMEOUT_MS;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) throw new WritError('OPTION_INVALID', `timeoutMs must be a positive whole number, got ${timeoutMs}`);
    const { host, port } = parseHostPort(options.address, 'agent address');
    this.name = options.name;
    this.#pool = new VerifiedAgentPool({ name: options.name, caPem: options.caPem, certPem: options.certPem, keyPem: options.keyPem, isRevoked: options.isRevoked, handshakeTimeoutMs: timeoutMs });
    this.#endpoint = { name: options.name, hostname: host, port, pool: this.#pool, timeoutMs };
  }

  /** `GET /v1/health`; resolves with the round trip, throws when the agent is not healthy and ours. */
  async health(): Promise<{ readonly latencyMs: number }> {
    const started = performance.now();
    const answer = await this.#call({ method: 'GET', path: '/v1/health', maxAnswerBytes: 4096 });
    if (answer.status !== 200) throw this.#unexpected('GET /v1/health', answer);
    return { latencyMs: performance.now() - started };
  }

  /** Sends a sealed `.writ`. A writ the agent refuses is an answer (accepted: false), not an error. */
  async submit(writ: Uint8Array): Promise<SubmitAnswer> {
    const answer = await this.#call({ method: 'POST', path: '/v1/runs', body: writ, headers: { 'content-type': 'application/octet-stream' }, maxAnswerBytes: MAX_JSON_ANSWER_BYTES });
    if (!SUBMIT_ANSWERS.has(answer.status)) throw this.#unexpected('POST /v1/runs', answer);
    if (answer.status === 413) return { status: 413, accepted: false, run: null, error: { code: agentErrorCodeOf(answer.body) ?? 'WRIT_TOO_LARGE', message: 'the agent refused the writ as too large' } };
    const { run, error } = submitBodyOf(jsonOf(answer.body, 'answer to a submission'));
    if (answer.status === 202) {
      if (!run) throw new FleetError('AGENT_HTTP_ERROR', `agent ${this.name} accepted a writ without naming its run`, { status: 202 });
      return { status: 202, accepted: true, run };
    }
    return { status: answer.status, accepted: false, run, error: error ?? { code: 'UNKNOWN', message: `status ${answer.status} without an error` } };
  }

  /** The run, or null when the agent has no run of that id. */
  async get(runId: string): Promise<RunView | null> {
    const answer = await this.#call({ method: 'GET', path: runPath(runId), maxAnswerBytes: MAX_JSON_ANSWER_BYTES });
    if (answer.status === 404) return null;
    if (answer.status !== 200) throw this.#unexpected(`GET run ${runId}`, answer);
    return runViewOf(jsonOf(answer.body, 'run'), 'run');
  }

  /** Up to `maxBytes` of the run's log from byte `offset`; null when the agent has no such run. */
  async readLog(runId: string, offset: number, maxBytes = DEFAULT_LOG_SLICE): Promise<LogChunk | null> {
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new WritError('OPTION_INVALID', 'offset and maxBytes are whole numbers (maxBytes at least 1)');
    const answer = await this.#call({ method: 'GET', path: runPath(runId, `/log?offset=${offset}&max=${maxBytes}`), maxAnswerBytes: maxBytes });
    if (answer.status === 404) return null;
    if (answer.status !== 200) throw this.#unexpected(`GET log of ${runId}`, answer);
    const header = (name: string): string => String(answer.headers[name] ?? '');
    const nextOffset = Number(header('writ-next-offset'));
    const done = header('writ-run-done');
    // The offsets decide what the caller asks for next; wrong ones would skip or repeat output.
    if (!Number.isSafeInteger(nextOffset) || nextOffset !== offset + answer.body.length || (done !== 'true' && done !== 'false')) {
      throw new FleetError('AGENT_HTTP_ERROR', `agent ${this.name}: log headers (next ${header('writ-next-offset')}, done ${done}) do not match the ${answer.body.length} bytes from ${offset}`, { status: 200 });
    }
    return { bytes: answer.body, offset, nextOffset, done: done === 'true' };
  }

  async cancel(runId: string): Promise<'cancelled' | 'not-found' | 'already-final'> {
    const answer = await this.#call({ method: 'DELETE', path: runPath(runId), maxAnswerBytes: 64 * 1024 });
    if (answer.status === 202) return 'cancelled';
    if (answer.status === 404) return 'not-found';
    if (answer.status === 409) return 'already-final';
    throw this.#unexpected(`DELETE run ${runId}`, answer);
  }

  /**
   * Live output of a run from byte `offset` (the stored log first), then `finished`. Resolves with
   * the final run, or null when `signal` aborted first. Each output event's `nextOffset` is where
   * to resume after a broken stream (AGENT_UNREACHABLE).
   */
  async events(runId: string, onEvent: (event: AgentRunEvent) => void, signal?: AbortSignal, offset = 0): Promise<RunView | null> {
    if (!Number.isSafeInteger(offset) || offset < 0) throw new WritError('OPTION_INVALID', `offset must be a whole number, got ${offset}`);
    await this.#pool.assertNoRevokedPeers();
    // Written by the callbacks below, read after the stream ends.
    const outcome: { finished: RunView | null; refused: FleetError | null } = { finished: null, refused: null };
    const parser = new SseParser((message) => {
      if (message.event === 'output') {
        const nextOffset = Number(message.id);
        if (message.id === null || !Number.isSafeInteger(nextOffset)) throw new FleetError('AGENT_HTTP_ERROR', `agent ${this.name}: an output event without a byte offset`);
        onEvent({ type: 'output', ...outputEventOf(jsonOf(Buffer.from(message.data), 'output event')), nextOffset });
      } else if (message.event === 'finished') {
        const run = runViewOf(jsonOf(Buffer.from(message.data), 'finished event'), 'finished event');
        outcome.finished = run;
        onEvent({ type: 'finished', run });
      }
    }, MAX_EVENT_CHARS);
    const handlers = {
      onText: (text: string): void => {
        parser.push(text);
      },
      onEnd: (): void => {
        if (!outcome.finished) throw new FleetError('AGENT_UNREACHABLE', `agent ${this.name}: the event stream of ${runId} ended before the run finished`);
      },
      onStatus: (answer: AgentAnswer): void => {
        outcome.refused = this.#unexpected(`GET events of ${runId}`, answer);
      },
    };
    await streamAgent(this.#endpoint, runPath(runId, `/events?offset=${offset}`), EVENTS_IDLE_MS, handlers, signal);
    if (outcome.refused) throw outcome.refused;
    return outcome.finished;
  }

  /** The certificate the agent serves to new connections (renewal decides from it, not from the registry). */
  async certificate(): Promise<ServedCertificate> {
    return this.#json('GET', CERTIFICATE_PATH, undefined, ServedCertificateSchema);
  }

  /** Asks the agent for a new key, proven by its signature over `challenge`. */
  async offerRenewal(challenge: Buffer): Promise<RenewalOffer> {
    return this.#json('POST', RENEWAL_PATH, { challenge: challenge.toString('base64') }, RenewalOfferSchema);
  }

  /** Hands the agent its renewed certificate; resolves with what it serves from now on. */
  async installCertificate(certificatePem: string): Promise<ServedCertificate> {
    return this.#json('PUT', CERTIFICATE_PATH, { certificate: certificatePem }, ServedCertificateSchema);
  }

  /** Closes every kept-alive connection to the agent. */
  close(): void {
    this.#pool.destroy();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  async #call(options: CallOptions): Promise<AgentAnswer> {
    // A connection kept alive from before a revocation must not carry the next request.
    await this.#pool.assertNoRevokedPeers();
    return callAgent(this.#endpoint, options);
  }

  async #json<T>(method: 'GET' | 'POST' | 'PUT', path: string, body: object | undefined, schema: z.ZodType<T>): Promise<T> {
    const answer = await this.#call({ method, path, maxAnswerBytes: 64 * 1024, ...(body === undefined ? {} : { body: Buffer.from(JSON.stringify(body)), headers: { 'content-type': 'application/json' } }) });
    if (answer.status !== 200) throw this.#unexpected(`${method} ${path}`, answer);
    return parseAnswer(schema, jsonOf(answer.body, `answer to ${method} ${path}`), `answer to ${method} ${path}`);
  }

  #unexpected(what: string, answer: AgentAnswer): FleetError {
    const agentCode = agentErrorCodeOf(answer.body);
    return new FleetError('AGENT_HTTP_ERROR', `agent ${this.name} answered ${answer.status}${agentCode ? ` ${agentCode}` : ''} to ${what}`, { status: answer.status, agentCode });
  }
}
