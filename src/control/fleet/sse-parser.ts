import { FleetError } from './errors.js';

/** One server-sent event as the agent's `/v1/runs/{id}/events` writes it. */
export interface SseMessage {
  readonly event: string;
  readonly id: string | null;
  readonly data: string;
}

/**
 * Incremental parser for the subset of server-sent events the agent emits (`event:`, `id:`,
 * `data:` lines, `:` comments as heartbeats, a blank line ends an event). The stream comes from an
 * agent, so one unterminated event may not grow without bound.
 */
export class SseParser {
  #buffer = '';
  #event = 'message';
  #id: string | null = null;
  #data: string[] = [];

  constructor(
    private readonly onMessage: (message: SseMessage) => void,
    private readonly maxEventChars: number,
  ) {}

  push(text: string): void {
    this.#buffer += text;
    for (let cut = this.#buffer.indexOf('\n'); cut !== -1; cut = this.#buffer.indexOf('\n')) {
      const line = this.#buffer.slice(0, cut).replace(/\r$/, '');
      this.#buffer = this.#buffer.slice(cut + 1);
      this.#line(line);
    }
    if (this.#buffer.length + this.#data.reduce((n, d) => n + d.length, 0) > this.maxEventChars) {
      throw new FleetError('AGENT_HTTP_ERROR', `an event from the agent exceeds ${this.maxEventChars} characters`);
    }
  }

  #line(line: string): void {
    if (line === '') {
      if (this.#data.length > 0) this.onMessage({ event: this.#event, id: this.#id, data: this.#data.join('\n') });
      this.#event = 'message';
      this.#id = null;
      this.#data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') this.#event = value;
    else if (field === 'id') this.#id = value;
    else if (field === 'data') this.#data.push(value);
  }
}
