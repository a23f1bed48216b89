import type { S3Client } from '@aws-sdk/client-s3';
import { WritError } from '../../core/errors.js';
import { maxWritBytesFor } from '../../core/writ-size.js';
import type { RunService, RunView, SubmitResult, Transport } from '../port.js';
import { Bucket } from './bucket.js';
import { checkS3Options } from './check-options.js';
import { createS3Client, describeLocation, TRANSPORT_PATIENCE } from './client.js';
import { followRun, type FollowContext } from './follow.js';
import { listInbox, type InboxWrit } from './inbox-scan.js';
import type { S3TransportOptions } from './options.js';
import { Persistence } from './persistence.js';
import { Reporter } from './reporter.js';
import { REJECTED_EXIT_CODE, ResultWriter, tryOnce } from './result-writer.js';

interface Work {
  readonly service: RunService;
  readonly bucket: Bucket;
  readonly outbox: ResultWriter;
}

type TakeOutcome = 'handled' | 'busy';

/**
 * An S3-compatible object store as a drop box (aws-rce's object-store protocol): a `.writ` object
 * put under the inbox prefix runs once, and its result appears under `<outboxPrefix><name>/`.
 *
 * - Inbox: objects `<inboxPrefix><name>.writ` directly under the prefix, found by listing
 *   (ListObjectsV2, paginated) every `pollMs`. Deeper keys and other suffixes are not ours; a name
 *   outside [A-Za-z0-9._-] (1-200, not starting with `.`) is ignored and reported once. An object
 *   listed larger than the largest `.writ` (`maxWritBytesFor(maxBytes)`) is refused TOO_LARGE
 *   unread, and a download stops past that limit too. Bytes go to the agent untouched (`via: 's3'`).
 * - Results, `<outboxPrefix><name>/`: `run-id` (the run, written when it is claimed), `log` (the
 *   whole log so far, re-uploaded as it grows, at most `logFlushMs` behind, and once more when the
 *   run is final), `run.json` (the final run view; for a refused writ `{ run, error }`), `exit` (the
 *   exit code, `-` for a final run without one, 4 for a refusal), and last `size`, the final log's
 *   byte length: the commit marker, written only after the others were acknowledged. A reader polls
 *   `size`; until it exists it may read `log` by byte range.
 * - Claiming: once the agent recorded a run for the writ (accepted, or refused with a run), `run-id`
 *   is written, then the inbox object deleted, then the run followed. Refused for capacity or
 *   shutdown (no run: QUEUE_FULL, AGENT_STOPPING) is not final: the object stays, nothing is
 *   written, and the rest of the inbox waits for a later poll. A submit that throws leaves the
 *   object too; it is tried again on later polls (reported once).
 * - Names are used once: an inbox object whose result has `size` is deleted unsubmitted (taken
 *   before a crash, or dropped again under a used name: delete `<outboxPrefix><name>/` to reuse a
 *   name), one whose result has only `run-id` is left alone, and a name being followed is not taken
 *   again until its result is committed.
 * - Crash safety: on start, before the first poll, each `run-id` without `size` names a run to
 *   finish: one the agent knows is followed to its result (a run cut short by a crash is
 *   `interrupted`: exit `-`); one it does not know (another agent's) is reported and left. The one
 *   window left is a crash between an accepted submit and the `run-id` write: the object is
 *   submitted again on restart and the agent's replay store refuses it REPLAYED, so it never runs
 *   twice (its result is then that refusal).
 * - Claims and commits are retried while the transport runs; listing failures are reported once
 *   until they change, and polling goes on. There is no lock in S3: one agent per inbox prefix.
 */
export class S3Transport implements Transport {
  readonly name = 's3';
  private readonly limit: number;
  private readonly reporter: Reporter;
  private readonly persistence: Persistence;
  private client: S3Client | null = null;
  /** Result names being written, so a key that reappears cannot start a second run under a live name. */
  private readonly active = new Map<string, Promise<void>>();
  private stopped = true;
  private loop: Promise<void> | null = null;
  private reportedBadKeys: ReadonlySet<string> = new Set();

  constructor(private readonly options: S3TransportOptions) {
    checkS3Options(options);
    this.limit = maxWritBytesFor(options.maxBytes);
    this.reporter = new Reporter(options.onError);
    this.persistence = new Persistence(this.reporter, options.pollMs);
  }

  start(service: RunService): Promise<void> {
    this.client ??= createS3Client(this.options, TRANSPORT_PATIENCE);
    const bucket = new Bucket(this.client, this.options.bucket);
    this.stopped = false;
    this.persistence.begin();
    // Recovery and polling run in the loop: a bucket that is not reachable yet must not stop the agent.
    this.loop = this.pollLoop({ service, bucket, outbox: new ResultWriter(bucket, this.options.outboxPrefix) });
    return Promise.resolve();
  }

  describe(): string {
    return describeLocation(this.options, this.options.inboxPrefix);
  }

  /** Stops polling (after the object in hand). Runs already submitted keep being followed. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.persistence.end();
    await this.loop;
    this.loop = null;
    this.releaseClientIfIdle();
  }

  /** Resolves once every run this transport follows has its result committed (or failed, reported). */
  async drained(): Promise<void> {
    while (this.active.size > 0) await Promise.all(this.active.values());
  }

  private async pollLoop(work: Work): Promise<void> {
    let recovered = false;
    while (!this.stopped) {
      try {
        if (!recovered) {
          await this.recover(work);
          recovered = true;
        }
        await this.scan(work);
        this.reporter.clear('scan');
      } catch (err) {
        // A bucket that is down fails every poll: report it once, not forever.
        this.reporter.reportOnce('scan', err);
      }
      if (this.stopped) break;
      await this.persistence.pause(this.options.pollMs);
    }
  }

  /** Results a previous agent was still writing when it stopped: finish ours, leave the rest. */
  private async recover(work: Work): Promise<void> {
    for (const [name, files] of await work.outbox.scanAll()) {
      if (!files.has('run-id') || files.has('size') || this.active.has(name)) continue;
      const runId = await work.outbox.readRunId(name);
      if (runId !== null && work.service.get(runId)) {
        this.track(name, followRun(this.followContext(work, name), name, runId));
      } else {
        // Another agent's (sharing the bucket), or a run pruned since: not ours to finish or to erase.
        const named = runId === null ? 'no readable run id' : `run ${runId}, which this agent does not know`;
        this.reporter.report(new WritError('RUN_NOT_FOUND', `${work.bucket.url(work.outbox.key(name, 'run-id'))} holds ${named}; left as it is`));
      }
    }
  }

  private async scan(work: Work): Promise<void> {
    const listing = await listInbox(work.bucket, this.options.inboxPrefix);
    this.reportBadKeys(work.bucket, listing.badKeys);
    this.reporter.retain('take:', new Set(listing.writs.map((writ) => `take:${writ.key}`)));
    for (const writ of listing.writs) {
      if (this.stopped) return;
      // Its run is still followed: the same name again waits until that result is committed.
      if (this.active.has(writ.name)) continue;
      const topic = `take:${writ.key}`;
      try {
        const outcome = await this.take(work, writ);
        this.reporter.clear(topic);
        // Capacity: the rest of the inbox would be refused as well; it all waits for a later poll.
        if (outcome === 'busy') return;
      } catch (err) {
        this.reporter.reportOnce(topic, err);
      }
    }
  }

  private async take(work: Work, writ: InboxWrit): Promise<TakeOutcome> {
    const files = await work.outbox.filesOf(writ.name);
    // Committed already: taken before a crash came between commit and delete, or a used name again.
    if (files.has('size')) {
      await work.bucket.delete(writ.key);
      return 'handled';
    }
    // Claimed by a run whose result is not committed (another agent's, or an unknown run): never twice.
    if (files.has('run-id')) return 'handled';
    // The listed size first: an oversized object is refused without transferring a byte of it.
    if (writ.size > this.limit) {
      await this.refuseUnread(work, writ, writ.size);
      return 'handled';
    }
    const read = await work.bucket.readCapped(writ.key, this.limit);
    if (read.kind === 'missing') return 'handled';
    if (read.kind === 'too-large') {
      await this.refuseUnread(work, writ, read.seen);
      return 'handled';
    }
    const result = await work.service.submit({ kind: 'writ', bytes: read.bytes }, this.name);
    // Capacity or shutdown: the writ may be fine and its nonce is unused, so the object stays.
    if (result.run === null) return 'busy';
    this.track(writ.name, this.claimAndFinish(work, writ, result.run, result));
    return 'handled';
  }

  /** The agent recorded a run for the writ: make that durable in the bucket before anything else. */
  private async claimAndFinish(work: Work, writ: InboxWrit, run: RunView, result: SubmitResult): Promise<void> {
    const { persist } = this.persistence;
    // run-id first: from here on a restarted agent finishes this result instead of submitting again.
    await persist(`the claim of ${writ.name}`, () => work.outbox.writeRunId(writ.name, run.id));
    await persist(`the removal of ${writ.key}`, () => work.bucket.delete(writ.key));
    if (result.accepted) {
      await followRun(this.followContext(work, writ.name), writ.name, run.id);
      return;
    }
    const refusal = { log: Buffer.alloc(0), runJson: { run, error: result.error }, exit: `${run.exitCode ?? REJECTED_EXIT_CODE}\n` };
    await work.outbox.commit(writ.name, refusal, persist);
  }

  /** No run: the agent never saw these bytes. Written again on the next poll if this fails midway. */
  private async refuseUnread(work: Work, writ: InboxWrit, seen: number): Promise<void> {
    const error = { code: 'TOO_LARGE', message: `${writ.key} is ${seen} bytes or more; the limit is ${this.limit}` };
    await work.outbox.commit(writ.name, { log: Buffer.alloc(0), runJson: { run: null, error }, exit: `${REJECTED_EXIT_CODE}\n` }, tryOnce);
    await work.bucket.delete(writ.key);
  }

  private followContext(work: Work, name: string): FollowContext {
    return {
      service: work.service,
      outbox: work.outbox,
      logFlushMs: this.options.logFlushMs,
      persist: this.persistence.persist,
      onLogUploadError: (err) => {
        this.reporter.reportOnce(`log:${name}`, err);
      },
    };
  }

  private reportBadKeys(bucket: Bucket, badKeys: readonly string[]): void {
    for (const key of badKeys) {
      if (this.reportedBadKeys.has(key)) continue;
      this.reporter.report(new WritError('NAME_INVALID', `${bucket.url(key)} is ignored: a writ's name must be 1-200 of A-Z a-z 0-9 . _ - and not start with .`));
    }
    // Only keys still there are remembered: the set stays as small as the inbox.
    this.reportedBadKeys = new Set(badKeys);
  }

  private track(name: string, work: Promise<void>): void {
    const settled = work
      .catch((err: unknown) => {
        this.reporter.report(err);
      })
      .finally(() => {
        this.reporter.clear(`log:${name}`);
        if (this.active.get(name) === settled) this.active.delete(name);
        this.releaseClientIfIdle();
      });
    this.active.set(name, settled);
  }

  /** Followers outlive stop(): the client goes only when polling ended and the last result is in. */
  private releaseClientIfIdle(): void {
    if (!this.stopped || this.loop !== null || this.active.size > 0 || this.client === null) return;
    this.client.destroy();
    this.client = null;
  }
}
