import { messageOf } from '../../core/errors.js';

/**
 * Hands errors to the transport's onError. A failure that repeats on every poll (a bucket that is
 * down, an object that cannot be read) is reported once per topic until it changes or clears.
 */
export class Reporter {
  private readonly lastByTopic = new Map<string, string>();

  constructor(private readonly onError: ((err: unknown) => void) | undefined) {}

  report(err: unknown): void {
    try {
      this.onError?.(err);
    } catch {
      // The error sink failing must not stop the transport.
    }
  }

  reportOnce(topic: string, err: unknown): void {
    const code = (err as { code?: unknown } | null)?.code;
    const text = `${typeof code === 'string' ? code : ''} ${messageOf(err)}`;
    if (this.lastByTopic.get(topic) === text) return;
    this.lastByTopic.set(topic, text);
    this.report(err);
  }

  clear(topic: string): void {
    this.lastByTopic.delete(topic);
  }

  /** Forgets the topics `${family}…` that are not in `current` (objects gone from the inbox). */
  retain(family: string, current: ReadonlySet<string>): void {
    for (const topic of this.lastByTopic.keys()) {
      if (topic.startsWith(family) && !current.has(topic)) this.lastByTopic.delete(topic);
    }
  }
}
