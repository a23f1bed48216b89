import { jetstream, type ConsumerInfo, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { messageOf, WritError } from '../../core/errors.js';
import { maxWritBytesFor } from '../../core/writ-size.js';
import type { RunService, SubmitResult, Transport } from '../port.js';
import { connectNats, ensureStreams, managerFor, serversShown } from './connection.js';
import { consumerPlan, ensureConsumers, type ConsumerPlan } from './consumers.js';
import { fetchLoop, type FetchControl } from './fetch-loop.js';
import { FROM_START, publishRun, type ResumePoint } from './follow.js';
import type { NatsTransportOptions } from './options.js';
import { PendingRecords, type PendingRecord } from './pending.js';
import { ResultPublisher } from './publisher.js';
import { publishedSoFar } from './resume.js';
import { reportStatusChanges } from './status.js';
import { checkSubjectPrefix, resultSubject } from './subjects.js';

const CONNECT_TIMEOUT_MS = 10_000;
/** A capacity refusal (QUEUE_FULL, AGENT_STOPPING) is not final: the writ comes back this much later. */
const CAPACITY_RETRY_MS = 1000;
/** A submit that threw is a fault, not a verdict: the writ comes back later, and the fault is reported each time. */
const FAULT_RETRY_MS = 10_000;
/** After stop(), how long a failing publish is retried before it is left to the next start. */
const STOPPING_PUBLISH_GRACE_MS = 15_000;
const ACK_TIMEOUT_MS = 5000;
/** The exit code of a refused writ, as `writ run`'s and the run store's (rejected). */
const REJECTED_EXIT = 4;

interface Link {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
}

/**
 * Writs from NATS JetStream: durable, so a writ published while the agent is down runs when it
 * returns (unless it expired meanwhile: the agent refuses those itself).
 *
 * - Subjects: `<prefix>.run.host.<host>` for one host, `<prefix>.run.tag.<tag>` for every host with
 *   the tag, both in the runs stream (`<prefix>.run.>`); the body is the `.writ` bytes. Names become
 *   one token by subjectToken ('.' is `%2E`, '%' is `%25`; wildcards, spaces and non-ASCII refused).
 * - Consumers: one durable pull consumer per subject, explicit acks, deliver-all: the host's under
 *   `durable`, each tag's beside it (consumers.ts). One consumer with `filter_subjects` would need
 *   nats-server 2.10. Consumers for tags this host no longer has are deleted at start.
 * - Per message: a body beyond maxWritBytesFor(maxBytes) is refused TOO_LARGE unsubmitted. Else it
 *   is submitted; refused for capacity (no run: QUEUE_FULL, AGENT_STOPPING) it is nak'ed to come
 *   back in ~1 s and nothing is published. With a run (accepted, or refused with a run record), a
 *   pending record `<stateDir>/<seq>.json` is written and fsynced, then the message is acked (and
 *   the ack confirmed), then the run is followed and its results published.
 * - Results, under `<prefix>.result.<host>.<seq>` where seq is the writ's sequence in the runs
 *   stream (the sender's PubAck gives it), published to the results stream one at a time, each
 *   stored before the next: `.accepted` `{ runId }`; `.log` chunks of at most 64 KiB, with headers
 *   Writ-Offset and Writ-Run-Id, batched while output flows; then `.done` `{ run, exitCode, error,
 *   size }`, the commit marker, last. A refusal without a run (TOO_LARGE) is only a `.done`. Every
 *   message has a deterministic Nats-Msg-Id, so one published twice within the stream's duplicate
 *   window is stored once. Readers assemble the log by Writ-Offset, skipping bytes they already
 *   have, and take the first `.done` (client.ts: readResult).
 * - Connection: `writ-agent <host>` with the token or `.creds` file and TLS files given; a
 *   `tls://` URL requires TLS. The client reconnects forever; each disconnect and reconnect is
 *   reported once through onError (TRANSPORT_UNAVAILABLE, TRANSPORT_RECONNECTED).
 * - Restart: each pending record whose run the agent knows is followed to completion (a run cut
 *   short by a crash is `interrupted`: exitCode null), resuming after what the results stream
 *   already holds; a record naming an unknown run is reported RUN_NOT_FOUND and left alone. A
 *   redelivered writ whose record is on disk (its ack was lost) is acked again, not run again.
 * - The remaining window: a crash after submit but before the record and the ack. The writ is then
 *   redelivered, the agent's replay store refuses it REPLAYED, and that refusal is what is
 *   published: the writ never runs twice, but its sender learns of the first run only from the agent.
 * - stop() fetches nothing more (the message in hand is finished); runs already acked are still
 *   followed, and drained() resolves once each has its `.done` published; then the connection
 *   closes. A publish still failing 15 s after stop() is given up: the record stays for the next start.
 */
export class NatsTransport implements Transport {
  readonly name = 'nats';
  private readonly plan: readonly ConsumerPlan[];
  private readonly limit: number;
  private readonly records: PendingRecords;
  private link: Link | null = null;
  private closing: Promise<void> = Promise.resolve();
  private running = false;
  private stoppedAt = 0;
  private abort = new AbortController();
  private loops: Promise<void>[] = [];
  /** Called on each reconnect: fetch loops start a fresh pull request (the old server's is gone). */
  private readonly reconnectHooks = new Set<() => void>();
  /** Runs being followed, by the writ's stream sequence. */
  private readonly active = new Map<number, Promise<void>>();

  constructor(private readonly options: NatsTransportOptions) {
    if (!Number.isSafeInteger(options.maxBytes) || options.maxBytes <= 0) throw new WritError('CONFIG_INVALID', `nats maxBytes must be a positive whole number (got ${options.maxBytes})`);
    if (options.servers.length === 0) throw new WritError('CONFIG_INVALID', 'nats.servers must name at least one server');
    checkSubjectPrefix(options.subjectPrefix);
    this.plan = consumerPlan(options);
    this.limit = maxWritBytesFor(options.maxBytes);
    this.records = new PendingRecords(options.stateDir);
  }

  async start(service: RunService): Promise<void> {
    if (this.running) throw new WritError('TRANSPORT_RUNNING', 'nats: start() called twice without stop()');
    await this.records.prepare();
    await this.closing;
    // Still open after a stop when runs are followed: those keep their connection.
    const reused = this.link;
    const link = reused ?? (await this.open());
    let consumers: ConsumerInfo[];
    try {
      await ensureStreams(link.jsm, this.options);
      consumers = await ensureConsumers(link.jsm, this.options, this.plan);
      this.link = link;
      this.running = true;
      this.abort = new AbortController();
      await this.recover(service, link);
    } catch (err) {
      this.running = false;
      this.link = reused;
      if (!reused) await link.nc.close();
      throw err;
    }
    const control: FetchControl = {
      signal: this.abort.signal,
      report: (err) => {
        this.report(err);
      },
      onReconnect: (callback) => {
        this.reconnectHooks.add(callback);
        return () => this.reconnectHooks.delete(callback);
      },
    };
    for (const info of consumers) {
      const consumer = link.js.consumers.getConsumerFromInfo(info);
      this.loops.push(fetchLoop(consumer, `consumer ${info.name} on ${info.stream_name}`, control, (msg) => this.take(service, link, msg)));
    }
  }

  describe(): string {
    const [host, ...tags] = this.plan;
    return `${serversShown(this.options.servers)} ${host?.subject ?? ''}${tags.length > 0 ? ` (+${tags.length} tags)` : ''}`;
  }

  /** Fetches nothing more, after the message in hand. Runs already acked keep being followed. */
  async stop(): Promise<void> {
    this.running = false;
    this.stoppedAt = Date.now();
    this.abort.abort();
    await Promise.all(this.loops);
    this.loops = [];
    if (this.active.size === 0) await this.closeLink();
  }

  /** Resolves once every followed run has its `.done` published (or given up: its record stays); then the connection is closed. */
  async drained(): Promise<void> {
    while (this.active.size > 0) await Promise.all(this.active.values());
    if (!this.running) await this.closeLink();
  }

  private async open(): Promise<Link> {
    const nc = await connectNats(this.options, CONNECT_TIMEOUT_MS);
    try {
      const link = { nc, js: jetstream(nc), jsm: await managerFor(nc) };
      const onReconnect = (): void => {
        for (const hook of this.reconnectHooks) hook();
      };
      reportStatusChanges(nc, (err) => {
        this.report(err);
      }, onReconnect).catch((err: unknown) => {
        this.report(err);
      });
      return link;
    } catch (err) {
      await nc.close();
      throw err;
    }
  }

  /** Drains the connection (pending naks and publishes go out first); later calls wait for the same close. */
  private closeLink(): Promise<void> {
    const link = this.link;
    if (!link) return this.closing;
    this.link = null;
    this.closing = link.nc.drain().catch(async (err: unknown) => {
      this.report(err);
      await link.nc.close();
    });
    return this.closing;
  }

  private report(err: unknown): void {
    try {
      this.options.onError?.(err);
    } catch {
      // The error sink failing must not stop the transport.
    }
  }

  private publisher(link: Link, subject: string): ResultPublisher {
    return new ResultPublisher(link.js, subject, {
      giveUp: () => !this.running && Date.now() - this.stoppedAt > STOPPING_PUBLISH_GRACE_MS,
      report: (err) => {
        this.report(err);
      },
    });
  }

  private async recover(service: RunService, link: Link): Promise<void> {
    const report = (err: unknown): void => {
      this.report(err);
    };
    for (const { seq, record } of await this.records.list(report)) {
      if (this.active.has(seq)) continue;
      // Another agent's (a shared state directory) or a run pruned since: not ours to finish or to erase.
      if (!service.get(record.runId)) this.report(new WritError('RUN_NOT_FOUND', `${this.records.dir}/${seq}.json names run ${record.runId}, which this agent does not know; left as it is`));
      else this.follow(service, link, seq, record, true);
    }
  }

  private async take(service: RunService, link: Link, msg: JsMsg): Promise<void> {
    const seq = msg.seq;
    const subject = resultSubject(this.options.subjectPrefix, this.options.hostName, seq);
    const storedAt = String(msg.info.timestampNanos);
    const known = await this.records.read(seq);
    // A redelivery of a writ already taken (its ack was lost): its run is followed already.
    if (known && known.stream === this.options.runsStream && known.storedAt === storedAt) {
      await this.confirmAck(msg);
      return;
    }
    // Refused without submitting: a body this large cannot be a writ this agent accepts, and is not worth parsing.
    if (msg.data.length > this.limit) {
      const error = { code: 'TOO_LARGE', message: `the message is ${msg.data.length} bytes; the limit is ${this.limit}` };
      await this.publisher(link, subject).done({ run: null, exitCode: REJECTED_EXIT, error, size: 0 });
      await this.confirmAck(msg);
      return;
    }
    let result: SubmitResult;
    try {
      result = await service.submit({ kind: 'writ', bytes: Buffer.from(msg.data) }, this.name);
    } catch (err) {
      this.report(err);
      msg.nak(FAULT_RETRY_MS);
      return;
    }
    if (result.run === null) {
      msg.nak(CAPACITY_RETRY_MS);
      return;
    }
    const record: PendingRecord = { runId: result.run.id, resultSubject: subject, stream: this.options.runsStream, storedAt };
    try {
      await this.records.write(seq, record);
    } catch (err) {
      // The run exists now: its results are still published; only a crash before `.done` would lose them.
      this.report(new WritError('PENDING_RECORD_FAILED', `nats: cannot write ${this.records.dir}/${seq}.json: ${messageOf(err)}`, { cause: err }));
    }
    await this.confirmAck(msg);
    this.follow(service, link, seq, record, false);
  }

  private async confirmAck(msg: JsMsg): Promise<void> {
    try {
      await msg.ackAck({ timeout: ACK_TIMEOUT_MS });
    } catch (err) {
      this.report(new WritError('TRANSPORT_UNAVAILABLE', `nats: the ack of writ ${msg.seq} was not confirmed (${messageOf(err)}); a redelivery is recognised by its pending record`, { cause: err }));
    }
  }

  /** What an earlier process published; unreadable, everything is published again (duplicates are dropped or skipped by offset). */
  private async resumePoint(link: Link, record: PendingRecord): Promise<ResumePoint & { done: boolean }> {
    try {
      return await publishedSoFar(link.jsm, this.options.resultsStream, record.resultSubject);
    } catch (err) {
      this.report(new WritError('TRANSPORT_UNAVAILABLE', `nats: cannot read what was published under ${record.resultSubject}: ${messageOf(err)}; publishing it all again`, { cause: err }));
      return { ...FROM_START, done: false };
    }
  }

  /** Publishes the run's results in the background; the record goes once `.done` is stored. */
  private follow(service: RunService, link: Link, seq: number, record: PendingRecord, resume: boolean): void {
    const publisher = this.publisher(link, record.resultSubject);
    const work = (async () => {
      const from = resume ? await this.resumePoint(link, record) : { ...FROM_START, done: false };
      if (!from.done) await publishRun(service, publisher, record.runId, from);
      await this.records.remove(seq, record.runId);
    })();
    const settled = work
      .catch((err: unknown) => {
        this.report(err);
      })
      .finally(() => {
        if (this.active.get(seq) === settled) this.active.delete(seq);
        // The last result of a stopped transport: nothing else needs the connection.
        if (!this.running && this.active.size === 0) void this.closeLink();
      });
    this.active.set(seq, settled);
  }
}
