import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import type { z } from 'zod';
import { WritError } from '../../core/errors.js';
import { PAIRING_REQUESTS_PATH } from '../../transport/pairing/index.js';
import { API_TOKEN_FILE, readApiToken } from './api-token.js';
import {
  AGENTS_PATH,
  AgentViewSchema,
  ApprovedSchema,
  DeniedSchema,
  PAIRING_APPROVE_PATH,
  PAIRING_DENY_PATH,
  PAIRING_MODE_PATH,
  PairingModeStateSchema,
  PendingPairingViewSchema,
  type AgentView,
  type PairingModeState,
  type PendingPairingView,
} from './operator-messages.js';
import { apiError, jsonOrUndefined } from './api-error.js';
import { readServerFile } from './server-file.js';
import { FLEET_RUNS_PATH } from './fleet-messages.js';
import {
  FLEET_RUN_CANCEL_PATH,
  FLEET_RUN_PATH,
  FleetRunCancelledSchema,
  FleetRunDetachedSchema,
  FleetRunListSchema,
  FleetRunViewSchema,
  fleetRunPath,
  type FleetRunCancelled,
  type FleetRunDetached,
  type FleetRunView,
} from './fleet-run-messages.js';
import type { FleetRunRecord } from '../registry/index.js';
import { CONTROL_ROTATE_PATH, RENEWAL_SWEEP_PATH, RenewedSchema, RevokedSchema, RotatedSchema, SweepReportSchema, agentRenewPath, agentRevokePath, type Renewed, type Revoked, type Rotated, type SweepReportView } from './agent-admin-messages.js';

const REQUEST_TIMEOUT_MS = 15_000;
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/** Where the control host listens (server.json), the only CA to trust for it, and the API token. */
export function operatorCredentials(caDir: string): { readonly url: string; readonly caPem: string; readonly token: string } {
  const { url } = readServerFile(caDir);
  let caPem: string;
  try {
    caPem = readFileSync(join(caDir, 'ca.pem'), 'utf8');
  } catch (err) {
    throw new WritError('CA_NOT_FOUND', `${join(caDir, 'ca.pem')} not found`, { cause: err });
  }
  return { url, caPem, token: readApiToken(join(caDir, API_TOKEN_FILE)) };
}

/**
 * The control commands' side of the operator API. It finds the server in `<caDir>/server.json`,
 * trusts only `<caDir>/ca.pem` for it (the system's CAs play no part), and sends `<caDir>/api.token`.
 */
export class OperatorClient {
  readonly url: URL;
  readonly #ca: string;
  readonly #token: string;

  constructor(url: string, caPem: string, token: string) {
    this.url = new URL(url);
    this.#ca = caPem;
    this.#token = token;
  }

  static fromDir(caDir: string): OperatorClient {
    const { url, caPem, token } = operatorCredentials(caDir);
    return new OperatorClient(url, caPem, token);
  }

  async setPairingMode(enabled: boolean, minutes?: number): Promise<PairingModeState> {
    return this.#call('POST', PAIRING_MODE_PATH, PairingModeStateSchema, minutes === undefined ? { enabled } : { enabled, minutes });
  }

  async pendingRequests(): Promise<PendingPairingView[]> {
    return this.#call('GET', PAIRING_REQUESTS_PATH, PendingPairingViewSchema.array());
  }

  /** The registered agent; PAIRING_NOT_FOUND (and the other API codes) as WritErrors. */
  async approve(code: string): Promise<AgentView> {
    return (await this.#call('POST', PAIRING_APPROVE_PATH, ApprovedSchema, { code })).agent;
  }

  async deny(code: string): Promise<{ name: string; code: string }> {
    return (await this.#call('POST', PAIRING_DENY_PATH, DeniedSchema, { code })).denied;
  }

  async agents(): Promise<AgentView[]> {
    return this.#call('GET', AGENTS_PATH, AgentViewSchema.array());
  }

  async revoke(name: string): Promise<Revoked> {
    return (await this.#call('POST', agentRevokePath(name), RevokedSchema, {})).revoked;
  }

  async renew(name: string): Promise<Renewed> {
    return (await this.#call('POST', agentRenewPath(name), RenewedSchema, {})).renewed;
  }

  async renewDue(): Promise<SweepReportView> {
    return this.#call('POST', RENEWAL_SWEEP_PATH, SweepReportSchema, {});
  }

  async rotateControlCertificate(): Promise<Rotated> {
    return (await this.#call('POST', CONTROL_ROTATE_PATH, RotatedSchema, {})).rotated;
  }

  /** Recent fleet runs, newest first. */
  async fleetRuns(limit?: number): Promise<FleetRunRecord[]> {
    return (await this.#call('GET', `${FLEET_RUNS_PATH}${limit === undefined ? '' : `?limit=${limit}`}`, FleetRunListSchema)).runs;
  }

  /** One fleet run with the live state of its unfinished hosts; FLEET_RUN_NOT_FOUND as a WritError. */
  async fleetRun(id: string): Promise<FleetRunView> {
    return this.#call('GET', fleetRunPath(FLEET_RUN_PATH, id), FleetRunViewSchema);
  }

  async cancelFleetRun(id: string): Promise<FleetRunCancelled> {
    return this.#call('POST', fleetRunPath(FLEET_RUN_CANCEL_PATH, id), FleetRunCancelledSchema, {});
  }

  /** Starts a fan-out that goes on on the control host (`writ send --detach`); answers at once with its id. */
  async sendDetached(body: { target: string; writ: string; maxConcurrency?: number; maxErrors?: number; hostTimeoutMs?: number }): Promise<FleetRunDetached> {
    return this.#call('POST', FLEET_RUNS_PATH, FleetRunDetachedSchema, { ...body, detach: true });
  }

  async #call<T>(method: 'GET' | 'POST', path: string, schema: z.ZodType<T>, body?: unknown): Promise<T> {
    const answer = await this.#send(method, path, body);
    if (answer.status < 200 || answer.status > 299) throw apiError(answer.status, answer.body);
    const parsed = schema.safeParse(answer.body);
    if (!parsed.success) throw new WritError('CONTROL_ANSWER_INVALID', `${method} ${path}: the control host's answer is malformed`);
    return parsed.data;
  }

  #send(method: string, path: string, body?: unknown): Promise<Answer> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, this.url), {
        method,
        // Only the control CA: a certificate from any other authority is not our control host.
        ca: this.#ca,
        minVersion: 'TLSv1.3',
        headers: { authorization: `Bearer ${this.#token}`, accept: 'application/json', ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': payload.length }) },
        timeout: REQUEST_TIMEOUT_MS,
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
      req.on('error', (err) => {
        reject(new WritError('CONTROL_UNREACHABLE', `cannot reach the control host at ${this.url.origin}: ${err.message}`, { cause: err }));
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) req.destroy(new Error('the answer is too large'));
          else chunks.push(chunk);
        });
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: jsonOrUndefined(Buffer.concat(chunks).toString('utf8')) });
        });
      });
      req.end(payload);
    });
  }
}
