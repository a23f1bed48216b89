import { request } from 'node:https';
import { createInterface } from 'node:readline';
import { WritError } from '../../core/errors.js';
import { FLEET_PING_PATH, FLEET_RUNS_PATH } from './fleet-messages.js';
import { FLEET_RUN_EVENTS_PATH, fleetRunPath } from './fleet-run-messages.js';
import { apiError, jsonOrUndefined } from './api-error.js';
import { operatorCredentials } from './operator-client.js';

/** One line of a fleet answer (see fleet-messages.ts); `type` says which. */
export type FleetLine = { readonly type: string } & Readonly<Record<string, unknown>>;

const MAX_LINE_BYTES = 8 * 1024 * 1024;

/**
 * The fleet commands' side of the operator API: posts a request and hands each NDJSON line to the
 * caller as it arrives, so progress and live output show while hosts answer. Trusts only the
 * control CA and sends the API token, as the pairing commands do.
 */
export class FleetApiClient {
  constructor(
    private readonly url: URL,
    private readonly caPem: string,
    private readonly token: string,
  ) {}

  static fromDir(caDir: string): FleetApiClient {
    const { url, caPem, token } = operatorCredentials(caDir);
    return new FleetApiClient(new URL(url), caPem, token);
  }

  ping(body: { target: string; maxConcurrency?: number; hostTimeoutMs?: number }, onLine: (line: FleetLine) => void): Promise<FleetLine> {
    return this.stream(FLEET_PING_PATH, body, onLine);
  }

  run(body: { target: string; writ: string; maxConcurrency?: number; maxErrors?: number; hostTimeoutMs?: number; follow?: boolean }, onLine: (line: FleetLine) => void): Promise<FleetLine> {
    return this.stream(FLEET_RUNS_PATH, body, onLine);
  }

  /** A fleet run's output and results (`writ logs`): following until every host is final, or what is there so far. */
  runEvents(id: string, options: { follow: boolean; host?: string }, onLine: (line: FleetLine) => void): Promise<FleetLine> {
    const query = new URLSearchParams({ follow: String(options.follow), ...(options.host === undefined ? {} : { host: options.host }) });
    return this.stream(`${fleetRunPath(FLEET_RUN_EVENTS_PATH, id)}?${query.toString()}`, null, onLine);
  }

  /** Resolves with the closing `summary` line; an answer without one is CONTROL_ANSWER_INVALID. A null body is a GET. */
  private stream(path: string, body: object | null, onLine: (line: FleetLine) => void): Promise<FleetLine> {
    const payload = body === null ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, this.url), {
        method: payload === undefined ? 'GET' : 'POST',
        // Only the control CA: a certificate from any other authority is not our control host.
        ca: this.caPem,
        minVersion: 'TLSv1.3',
        headers: { authorization: `Bearer ${this.token}`, accept: 'application/x-ndjson', ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': payload.length }) },
      });
      req.on('error', (err) => {
        reject(new WritError('CONTROL_UNREACHABLE', `cannot reach the control host at ${this.url.origin}: ${err.message}`, { cause: err }));
      });
      req.on('response', (res) => {
        if (res.statusCode !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            reject(apiError(res.statusCode ?? 0, jsonOrUndefined(Buffer.concat(chunks).toString('utf8'))));
          });
          return;
        }
        let last: FleetLine | null = null;
        const lines = createInterface({ input: res, crlfDelay: Infinity });
        lines.on('line', (text) => {
          // A line past the limit is a broken or hostile answer, not something to buffer.
          if (text.length > MAX_LINE_BYTES) {
            req.destroy(new Error('an answer line is too long'));
            return;
          }
          let line: FleetLine;
          try {
            line = JSON.parse(text) as FleetLine;
          } catch {
            req.destroy(new Error('the control host sent a line that is not JSON'));
            return;
          }
          last = line;
          onLine(line);
        });
        lines.on('close', () => {
          const final: FleetLine | null = last;
          if (final !== null && final.type === 'summary') resolve(final);
          else reject(new WritError('CONTROL_ANSWER_INVALID', `${path}: the answer ended before its summary`));
        });
      });
      req.end(payload);
    });
  }
}
