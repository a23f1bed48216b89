import { createHash } from 'node:crypto';
import { AckPolicy, DeliverPolicy, type ConsumerInfo, type JetStreamManager } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { messageOf, WritError } from '../../core/errors.js';
import { apiErrorCode, CONSUMER_NOT_FOUND } from './connection.js';
import type { NatsTransportOptions } from './options.js';
import { checkSubjectPrefix, runSubject, subjectToken } from './subjects.js';

/** One durable pull consumer and the one run subject it takes writs from. */
export interface ConsumerPlan {
  readonly name: string;
  readonly subject: string;
}

/** Long enough to submit, fsync the pending record and ack; a slower handling is redelivered (and recognised). */
const ACK_WAIT_MS = 30_000;
const DURABLE_PATTERN = /^[A-Za-z0-9_-]{1,200}$/;

/**
 * The consumer for one tag: `<durable>-tag-<readable tag>-<hash>`. The hash covers the durable and
 * the tag token, so cleaning up only ever matches names this host made, and the readable parts are
 * clipped to keep the name a valid file name in the server's store.
 */
export function tagConsumerName(durable: string, tagToken: string): string {
  const hash = createHash('sha256').update(`${durable}\0${tagToken}`).digest('hex').slice(0, 16);
  const readable = tagToken.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40);
  return `${durable.slice(0, 120)}-tag-${readable}-${hash}`;
}

/**
 * One consumer per subject: the host's own under the configured durable name, one per tag beside it.
 * (A single consumer with `filter_subjects` needs nats-server 2.10; this works on 2.9 too.)
 */
export function consumerPlan(options: NatsTransportOptions): ConsumerPlan[] {
  // Consumer names become file names on the server and must not hold subject syntax.
  if (!DURABLE_PATTERN.test(options.durable)) throw new WritError('CONFIG_INVALID', `nats.durable ${JSON.stringify(options.durable)} must be 1 to 200 of A-Z a-z 0-9 _ -`);
  const plan: ConsumerPlan[] = [{ name: options.durable, subject: runSubject(options.subjectPrefix, { host: options.hostName }) }];
  for (const tag of new Set(options.tags)) {
    plan.push({ name: tagConsumerName(options.durable, subjectToken(tag)), subject: runSubject(options.subjectPrefix, { tag }) });
  }
  return plan;
}

/**
 * Creates the planned consumers, replaces ones whose settings differ, and deletes this host's
 * consumers for tags it no longer has. Returns each planned consumer's info, in plan order.
 */
export async function ensureConsumers(jsm: JetStreamManager, options: NatsTransportOptions, plan: readonly ConsumerPlan[]): Promise<ConsumerInfo[]> {
  try {
    const infos: ConsumerInfo[] = [];
    for (const consumer of plan) infos.push(await ensureConsumer(jsm, options, consumer));
    await removeDroppedTags(jsm, options, plan);
    return infos;
  } catch (err) {
    if (err instanceof WritError) throw err;
    throw new WritError('TRANSPORT_UNAVAILABLE', `nats: cannot set up the consumers on stream ${options.runsStream}: ${messageOf(err)}`, { cause: err });
  }
}

async function ensureConsumer(jsm: JetStreamManager, options: NatsTransportOptions, consumer: ConsumerPlan): Promise<ConsumerInfo> {
  const existing = await consumerInfo(jsm, options.runsStream, consumer.name);
  if (existing && fits(existing, consumer)) return existing;
  // Acks, pull delivery and the filter are what make "runs once, only here" hold: anything else is rebuilt.
  if (existing) await jsm.consumers.delete(options.runsStream, consumer.name);
  return await jsm.consumers.add(options.runsStream, {
    durable_name: consumer.name,
    description: `writ agent ${options.hostName}: ${consumer.subject}`,
    filter_subject: consumer.subject,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(ACK_WAIT_MS),
  });
}

function fits(info: ConsumerInfo, consumer: ConsumerPlan): boolean {
  const config = info.config;
  return config.filter_subject === consumer.subject && config.ack_policy === AckPolicy.Explicit && !config.deliver_subject;
}

async function consumerInfo(jsm: JetStreamManager, stream: string, name: string): Promise<ConsumerInfo | null> {
  try {
    return await jsm.consumers.info(stream, name);
  } catch (err) {
    if (apiErrorCode(err) === CONSUMER_NOT_FOUND) return null;
    throw err;
  }
}

/**
 * A tag consumer left from an earlier configuration would resume that tag's backlog the day the tag
 * came back, running writs sent while this host was not in it: it is deleted instead.
 */
async function removeDroppedTags(jsm: JetStreamManager, options: NatsTransportOptions, plan: readonly ConsumerPlan[]): Promise<void> {
  const tagSubjects = `${checkSubjectPrefix(options.subjectPrefix)}.run.tag.`;
  const planned = new Set(plan.map((c) => c.name));
  const dropped: string[] = [];
  for await (const info of jsm.consumers.list(options.runsStream)) {
    const subject = info.config.filter_subject ?? '';
    if (planned.has(info.name) || !subject.startsWith(tagSubjects)) continue;
    // Only names this host would have made for that tag: other hosts' consumers share the stream.
    if (info.name === tagConsumerName(options.durable, subject.slice(tagSubjects.length))) dropped.push(info.name);
  }
  for (const name of dropped) await jsm.consumers.delete(options.runsStream, name);
}
