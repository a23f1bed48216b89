import type { LogEntry, SandboxOptions } from '../outcome.js';

const encoder = new TextEncoder();

/** UTF-8 length of a string without allocating its encoding. */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The longest prefix of `text` whose UTF-8 encoding fits in `maxBytes`, never splitting a character. */
export function utf8Prefix(text: string, maxBytes: number): string {
  if (maxBytes <= 0) return '';
  if (text.length * 3 <= maxBytes) return text;
  const { read } = encoder.encodeInto(text, new Uint8Array(maxBytes));
  return text.slice(0, read);
}

/**
 * Collects stdout and log entries under one UTF-8 byte budget (`maxOutputBytes`, shared with the
 * result). Text past the budget is dropped as it arrives, so a flood never accumulates on the host.
 */
export class OutputSink {
  readonly #max: number;
  readonly #onOutput: SandboxOptions['onOutput'];
  readonly #stdout: string[] = [];
  readonly #logs: LogEntry[] = [];
  #used = 0;
  #truncated = false;

  constructor(maxBytes: number, onOutput: SandboxOptions['onOutput']) {
    this.#max = Math.max(0, Math.floor(maxBytes));
    this.#onOutput = onOutput;
  }

  get truncated(): boolean {
    return this.#truncated;
  }

  /** Bytes still available under the budget. */
  get remaining(): number {
    return this.#max - this.#used;
  }

  /** Records that something (e.g. the result) was dropped for lack of room. */
  markTruncated(): void {
    this.#truncated = true;
  }

  get stdout(): string {
    return this.#stdout.join('');
  }

  get logs(): readonly LogEntry[] {
    return this.#logs;
  }

  /** Appends stdout text; returns false when the budget ran out (the caller then ends the run). */
  writeStdout(text: string): boolean {
    const kept = this.#take(text);
    if (kept.length > 0) {
      this.#stdout.push(kept);
      this.#emit({ stream: 'stdout', text: kept });
    }
    return !this.#truncated;
  }

  /** Appends a log entry (its message counts against the budget); false when the budget ran out. */
  writeLog(level: LogEntry['level'], msg: string): boolean {
    if (this.#truncated) return false;
    const kept = this.#take(msg);
    if (kept.length === 0 && msg.length > 0) return false;
    const entry: LogEntry = { level, msg: kept, at: new Date().toISOString() };
    this.#logs.push(entry);
    this.#emit({ stream: 'log', text: JSON.stringify(entry) });
    return !this.#truncated;
  }

  /** Reserves room for the serialized result; false (and truncated) when it does not fit. */
  reserve(bytes: number): boolean {
    if (this.#used + bytes > this.#max) {
      this.#truncated = true;
      return false;
    }
    this.#used += bytes;
    return true;
  }

  #take(text: string): string {
    if (this.#truncated) return '';
    const remaining = this.#max - this.#used;
    const size = utf8Length(text);
    if (size <= remaining) {
      this.#used += size;
      return text;
    }
    const kept = utf8Prefix(text, remaining);
    this.#used += utf8Length(kept);
    this.#truncated = true;
    return kept;
  }

  #emit(chunk: { stream: 'stdout' | 'log'; text: string }): void {
    if (this.#onOutput === undefined) return;
    try {
      this.#onOutput(chunk);
    } catch {
      // The contract says onOutput must not throw; a faulty listener must not change the run's outcome.
    }
  }
}
