import type { RunEvent } from '../transport/index.js';

type Stream = 'stdout' | 'log';

/**
 * Groups a run's output before it is stored. Each store append is a durable transaction (an fsync
 * with synchronous=FULL, 0.3-3 ms on this disk), taken on the event loop; a script printing in a
 * tight loop would otherwise stall every transport. Chunks are merged per stream and written at most
 * every `windowMs` (or sooner past `maxBytes`), so a watcher still sees output within about 25 ms,
 * far inside the 100 ms first-byte goal. Output is shown only after it is stored.
 */
export class OutputBatcher {
  private pending: { stream: Stream; text: string }[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly append: (stream: Stream, text: string) => number,
    private readonly emit: (event: RunEvent) => void,
    private readonly windowMs = 25,
    private readonly maxBytes = 64 * 1024,
  ) {}

  add(stream: Stream, text: string): void {
    const last = this.pending.at(-1);
    if (last?.stream === stream) last.text += text;
    else this.pending.push({ stream, text });
    this.pendingBytes += text.length;
    if (this.pendingBytes >= this.maxBytes) this.flush();
    else this.timer ??= setTimeout(() => {
      this.flush();
    }, this.windowMs);
  }

  /** Stores and shows everything pending; called on the timer, past maxBytes, and when the run ends. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const chunks = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    for (const { stream, text } of chunks) {
      const total = this.append(stream, text);
      this.emit({ type: 'output', stream, offset: total - Buffer.byteLength(text), text });
    }
  }
}
