/**
 * When is a dropped file complete? A writer that renames into place (rsync, `scp` to a hidden name
 * then `mv`) and one that writes in place in pieces (plain `cp`, `scp`, a file manager copying to a
 * USB stick) look the same from outside, so one rule serves both: a file is complete once a scan sees
 * it unchanged (same device, inode, size and mtime) as an earlier scan did at least `quietMs` before.
 * A writer that pauses longer than that mid-file can be read too early; such writers should write to
 * a hidden name (a leading `.`) and rename, which this rule never sees half-done.
 */
export class StabilityTracker {
  private readonly seen = new Map<string, { readonly fingerprint: string; readonly since: number }>();

  constructor(private readonly quietMs: number) {}

  /**
   * Feeds one scan: `current` maps each candidate name to its fingerprint, `now` is when the scan
   * began (a monotonic clock in ms). Returns the names that are complete now. Names absent from the
   * scan are forgotten, so a file that leaves and comes back starts over.
   */
  observe(current: ReadonlyMap<string, string>, now: number): string[] {
    for (const name of [...this.seen.keys()]) if (!current.has(name)) this.seen.delete(name);
    const ready: string[] = [];
    for (const [name, fingerprint] of current) {
      const before = this.seen.get(name);
      if (before?.fingerprint !== fingerprint) this.seen.set(name, { fingerprint, since: now });
      else if (now - before.since >= this.quietMs) ready.push(name);
    }
    return ready;
  }

  /** Drops what is known of `name` (it was claimed, or should be looked at afresh). */
  forget(name: string): void {
    this.seen.delete(name);
  }
}
