import type { RunEvent } from '../transport/index.js';

/** Live listeners per run: output chunks as they are stored, then one `finished`. */
export class RunEvents {
  private readonly listeners = new Map<string, Set<(event: RunEvent) => void>>();

  watch(runId: string, listener: (event: RunEvent) => void): () => void {
    let set = this.listeners.get(runId);
    if (!set) {
      set = new Set();
      this.listeners.set(runId, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(runId);
    };
  }

  emit(runId: string, event: RunEvent): void {
    const set = this.listeners.get(runId);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(event);
      } catch {
        // One broken listener (a client gone mid-write) must not stop the others or the run.
      }
    }
    if (event.type === 'finished') this.listeners.delete(runId);
  }
}
