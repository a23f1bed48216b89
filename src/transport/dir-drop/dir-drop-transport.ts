import { randomUUID } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import { lstat, mkdir, readdir, rename, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { WritError } from '../../core/errors.js';
import { maxWritBytesFor } from '../../core/writ-size.js';
import type { RunService, SubmitResult, Transport } from '../port.js';
import { followRun } from './follow.js';
import { DIR_MODE, errnoOf, isCandidate, prepareDirectory, readBounded, SUFFIX } from './inbox-files.js';
import { isResultId, Outbox, type Refusal } from './outbox.js';
import { StabilityTracker } from './stability.js';

export interface DirDropOptions {
  /** Watched directory: a complete `name.writ` dropped here runs once. Created 0700 if missing. */
  readonly inbox: string;
  /** Results: `<id>.log`, `<id>.json`, then `<id>.exit` (the commit marker). Created 0700 if missing. */
  readonly outbox: string;
  /** Scan interval; a file must also stay unchanged this long to count as complete. Default 500. */
  readonly pollMs?: number;
  /** The agent's largest writ (bundle) size; a file beyond it plus 256 KiB is refused unread. */
  readonly maxBytes: number;
  /** Errors with no result file to go in (a failed scan, a full disk, a submit that threw). */
  readonly onError?: (err: unknown) => void;
}

const PROCESSING = '.processing';
const DEFAULT_POLL_MS = 500;

/**
 * A watched inbox directory. A `.writ` dropped there (scp, rsync, a USB stick mounted there) runs
 * once; its result appears in the outbox as `<id>.log`, `<id>.json` and, last, `<id>.exit`.
 *
 * - Discovery is by polling every `pollMs` (fs.watch, where it works, only makes a scan come
 *   sooner: it is unreliable on network and removable filesystems). Only non-hidden regular files
 *   named `*.writ` count; symbolic links, directories and FIFOs are never touched.
 * - A file is complete when two scans at least ~`pollMs` apart saw the same size, mtime and inode.
 *   A file that arrived by rename is already complete, but nothing tells the two apart, so the
 *   rule is the same for both (see StabilityTracker).
 * - A complete file is claimed by renaming it into `<inbox>/.processing/` before it is read, so
 *   two agents sharing an inbox, or a crash mid-read, never run it twice from the inbox (the
 *   agent's replay store is the real guarantee). It is deleted once submitted; if submitting threw,
 *   it stays there for the operator. Files left in `.processing/` are never picked up again.
 * - `<id>` is the file name without `.writ` when it uses only [A-Za-z0-9._-] (and no result of
 *   that name is still being written), else the run id. The json always carries the run id.
 * - Refused (`accepted: false`): `<id>.json` = `{ run, error }`, an empty `<id>.log`, `<id>.exit`
 *   = `4`. Refused for capacity or shutdown (`run: null`, QUEUE_FULL / AGENT_STOPPING) is not
 *   final: the file goes back to the inbox and is tried again on a later scan, and nothing is written.
 * - Accepted: the log grows in `<id>.log.partial`; when the run is final that becomes `<id>.log`,
 *   then `<id>.json` is the final run view and `<id>.exit` its exit code, or `-` for a final run
 *   without one (cancelled, interrupted).
 * - Every result file is written to a hidden temp name, fsynced and renamed, and the directory
 *   fsynced before `<id>.exit` is written (and after). A result written for a name used before
 *   replaces the old one, whose `.exit` is removed first.
 * - A hidden `.<id>.pending` names the run while it is followed, so an agent restarted after a
 *   crash (or one that exited before the result was written) completes it from its run store
 *   (a run cut short by a crash is `interrupted`: exit `-`). A marker naming a run the agent
 *   does not know (another agent's, sharing the outbox) is left alone.
 */
export class DirDropTransport implements Transport {
  readonly name = 'dir-drop';
  private readonly inbox: string;
  private readonly outboxDir: string;
  private readonly processing: string;
  private readonly pollMs: number;
  private readonly hintDelayMs: number;
  private readonly limit: number;
  private readonly tracker: StabilityTracker;
  /** Result ids being written, so a second drop of the same name cannot write over a live one. */
  private readonly active = new Map<string, Promise<void>>();
  private stopped = false;
  private loop: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private wakeAt = 0;
  private wake: (() => void) | null = null;
  private hinted = false;
  private watcher: FSWatcher | null = null;
  private lastScanError: string | null = null;

  constructor(private readonly options: DirDropOptions) {
    const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    if (!Number.isFinite(pollMs) || pollMs <= 0) throw new WritError('CONFIG_INVALID', `dirDrop.pollMs must be a positive number of milliseconds (got ${pollMs})`);
    if (!Number.isSafeInteger(options.maxBytes) || options.maxBytes <= 0) throw new WritError('CONFIG_INVALID', `dir-drop maxBytes must be a positive whole number (got ${options.maxBytes})`);
    this.inbox = resolve(options.inbox);
    this.outboxDir = resolve(options.outbox);
    this.processing = join(this.inbox, PROCESSING);
    this.pollMs = pollMs;
    this.hintDelayMs = Math.min(50, pollMs);
    this.limit = maxWritBytesFor(options.maxBytes);
    // 90%: timers may fire a little early; a writer pausing longer than that mid-file is read too soon.
    this.tracker = new StabilityTracker(pollMs * 0.9);
  }

  async start(service: RunService): Promise<void> {
    if (this.inbox === this.outboxDir) throw new WritError('CONFIG_INVALID', `dirDrop: inbox and outbox are the same directory (${this.inbox})`);
    const inbox = await prepareDirectory(this.inbox, 'inbox');
    const outboxId = await prepareDirectory(this.outboxDir, 'outbox');
    if (inbox.dev === outboxId.dev && inbox.ino === outboxId.ino) {
      throw new WritError('CONFIG_INVALID', `dirDrop: inbox ${this.inbox} and outbox ${this.outboxDir} are the same directory`);
    }
    try {
      await this.ensureProcessing();
    } catch (err) {
      throw new WritError('CONFIG_INVALID', `dirDrop.inbox: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    const outbox = new Outbox(this.outboxDir);
    for (const { id, runId } of await outbox.recover()) {
      if (await outbox.hasExit(id)) await outbox.clearPending(id);
      else if (service.get(runId)) this.track(id, followRun(service, outbox, id, runId));
      // Another agent's, sharing this outbox (or a run pruned since): not ours to finish or to erase.
      else this.report(new WritError('RUN_NOT_FOUND', `${join(this.outboxDir, `.${id}.pending`)} names run ${runId}, which this agent does not know; left as it is`));
    }
    this.stopped = false;
    this.watchForHints();
    this.loop = this.pollLoop(service, outbox);
  }

  describe(): string {
    return `dir-drop:${this.inbox}`;
  }

  /** Stops scanning (after the file in hand, if any). Runs already submitted keep being followed. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.watcher?.close();
    this.watcher = null;
    this.wake?.();
    await this.loop;
    this.loop = null;
  }

  /**
   * Resolves once every run this transport is following has its result written (or failed, which
   * goes to onError). Not part of stop(): an agent that drains on SIGTERM calls it after its runs
   * are final and before it exits, so their results do not wait for the next start.
   */
  async drained(): Promise<void> {
    while (this.active.size > 0) await Promise.all(this.active.values());
  }

  private report(err: unknown): void {
    try {
      this.options.onError?.(err);
    } catch {
      // The error sink failing must not stop the transport.
    }
  }

  private async pollLoop(service: RunService, outbox: Outbox): Promise<void> {
    while (!this.stopped) {
      this.hinted = false;
      try {
        await this.scan(service, outbox);
        this.lastScanError = null;
      } catch (err) {
        // An inbox that is gone (a USB stick pulled) fails every poll: report it once, not forever.
        const text = err instanceof Error ? err.message : String(err);
        if (text !== this.lastScanError) this.report(err);
        this.lastScanError = text;
      }
      if (this.stopped) break;
      await this.sleep(this.hinted ? this.hintDelayMs : this.pollMs);
    }
  }

  private async scan(service: RunService, outbox: Outbox): Promise<void> {
    const now = performance.now();
    const current = new Map<string, string>();
    for (const name of await readdir(this.inbox)) {
      if (!isCandidate(name)) continue;
      try {
        const st = await lstat(join(this.inbox, name), { bigint: true });
        // lstat: a symbolic link is not a file here, whatever it points to.
        if (st.isFile()) current.set(name, `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`);
      } catch {
        // Gone between readdir and lstat, or unreadable: not ours to take.
      }
    }
    const ready = this.tracker.observe(current, now).sort();
    if (ready.length === 0) return;
    // Again on each use: a filesystem mounted on the inbox after start hides the first one.
    await this.ensureProcessing();
    for (const name of ready) {
      if (this.stopped) return;
      this.tracker.forget(name);
      try {
        await this.take(service, outbox, name);
      } catch (err) {
        this.report(err);
      }
    }
  }

  private async ensureProcessing(): Promise<void> {
    try {
      await mkdir(this.processing, { mode: DIR_MODE });
    } catch (err) {
      if (errnoOf(err) !== 'EEXIST') throw err;
    }
    const st = await lstat(this.processing);
    if (st.isSymbolicLink() || !st.isDirectory()) throw new WritError('CONFIG_INVALID', `${this.processing} must be a directory, not a link or a file`);
  }

  private async take(service: RunService, outbox: Outbox, name: string): Promise<void> {
    const claimed = join(this.processing, name);
    try {
      await rename(join(this.inbox, name), claimed);
    } catch (err) {
      // Another agent sharing the inbox claimed it first, or its writer took it back.
      if (errnoOf(err) === 'ENOENT') return;
      throw err;
    }
    const stem = name.slice(0, -SUFFIX.length);
    const read = await readBounded(claimed, name, this.limit);
    if (!read.ok) {
      await outbox.writeRefusal(this.resultId(stem, null), null, read.refusal);
      await unlink(claimed);
      return;
    }
    let result: SubmitResult;
    try {
      result = await service.submit({ kind: 'writ', bytes: read.bytes }, this.name);
    } catch (err) {
      // Not a refusal but a fault: keep the file in .processing for the operator to look at.
      this.report(err);
      return;
    }
    if (!result.accepted) {
      const refused = result.run;
      if (refused === null) await this.putBack(name, claimed, result.error);
      else await this.finishClaim(claimed, () => outbox.writeRefusal(this.resultId(stem, refused.id), refused, result.error));
      return;
    }
    const run = result.run;
    await this.finishClaim(claimed, () => this.startFollowing(service, outbox, this.resultId(stem, run.id), run.id));
  }

  /** The run is recorded by the agent now: the claimed file goes, whatever became of its result files. */
  private async finishClaim(claimed: string, write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } finally {
      await unlink(claimed);
    }
  }

  /** Capacity or shutdown: the writ may be fine and its nonce is unused, so it waits in the inbox. */
  private async putBack(name: string, claimed: string, error: Refusal): Promise<void> {
    const back = join(this.inbox, name);
    const taken = await lstat(back).then(
      () => true,
      (err: unknown) => {
        if (errnoOf(err) === 'ENOENT') return false;
        throw err;
      },
    );
    if (taken) throw new WritError('DROP_CONFLICT', `${name} was refused for now (${error.code}) and a new ${name} arrived meanwhile; the refused one stays in ${this.processing}`);
    await rename(claimed, back);
  }

  private resultId(stem: string, runId: string | null): string {
    if (isResultId(stem) && !this.active.has(stem)) return stem;
    if (runId !== null && isResultId(runId) && !this.active.has(runId)) return runId;
    return randomUUID();
  }

  /** Resolves once the run is recorded as pending in the outbox; following goes on in the background. */
  private async startFollowing(service: RunService, outbox: Outbox, id: string, runId: string): Promise<void> {
    const setup = (async () => {
      await outbox.clear(id);
      await outbox.markPending(id, runId);
    })();
    this.track(
      id,
      setup.then(() => followRun(service, outbox, id, runId)),
    );
    // A failure is reported once, by track().
    await setup.catch(() => undefined);
  }

  private track(id: string, work: Promise<void>): void {
    const settled = work
      .catch((err: unknown) => {
        this.report(err);
      })
      .finally(() => {
        if (this.active.get(id) === settled) this.active.delete(id);
      });
    this.active.set(id, settled);
  }

  private watchForHints(): void {
    try {
      const watcher = watch(this.inbox, { persistent: false }, () => {
        this.hint();
      });
      watcher.on('error', () => {
        watcher.close();
        if (this.watcher === watcher) this.watcher = null;
      });
      this.watcher = watcher;
    } catch {
      // No fs.watch here (some network filesystems): polling alone is enough.
    }
  }

  /** Something changed in the inbox: scan soon, though no sooner than a short debounce. */
  private hint(): void {
    if (this.stopped) return;
    if (!this.wake) {
      this.hinted = true;
      return;
    }
    if (performance.now() + this.hintDelayMs < this.wakeAt) this.arm(this.hintDelayMs);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        this.wake = null;
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        resolve();
      };
      this.arm(ms);
    });
  }

  private arm(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.wakeAt = performance.now() + ms;
    this.timer = setTimeout(() => {
      this.wake?.();
    }, ms);
  }
}

