import type { JetStreamManager } from '@nats-io/jetstream';
import { OFFSET_HEADER } from './publisher.js';
import type { ResumePoint } from './follow.js';

/**
 * What an earlier process already published for a result subject, read back from the results
 * stream: a restarted agent then publishes only the rest, so a reader never sees a byte twice
 * (and, after `.done`, nothing at all).
 */
export async function publishedSoFar(jsm: JetStreamManager, resultsStream: string, resultSubject: string): Promise<ResumePoint & { readonly done: boolean }> {
  const last = (kind: string) => jsm.streams.getMessage(resultsStream, { last_by_subj: `${resultSubject}.${kind}` });
  if (await last('done')) return { done: true, acceptedPublished: true, logOffset: 0 };
  const accepted = await last('accepted');
  const log = await last('log');
  const offset = Number(log?.header.get(OFFSET_HEADER) ?? '');
  // A chunk without a usable offset is not ours to build on: start the log over rather than guess.
  const logOffset = log && Number.isSafeInteger(offset) && offset >= 0 ? offset + log.data.length : 0;
  return { done: false, acceptedPublished: accepted !== null, logOffset };
}
