import type { Bucket } from './bucket.js';

export const WRIT_SUFFIX = '.writ';
/** Result names become key segments: portable characters only, and short (as dir-drop's result ids). */
const NAME_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/;

export function isResultName(name: string): boolean {
  return NAME_PATTERN.test(name);
}

export interface InboxWrit {
  readonly key: string;
  /** The key without the prefix and `.writ`: where its result goes, `<outboxPrefix><name>/`. */
  readonly name: string;
  readonly size: number;
}

export interface InboxListing {
  /** In key order, so writs dropped together run in a predictable order. */
  readonly writs: readonly InboxWrit[];
  /** `.writ` keys whose name is unusable: never run, reported to the operator. */
  readonly badKeys: readonly string[];
}

/**
 * Lists `<prefix>*.writ` directly under the prefix. Deeper keys are folded away by the delimiter
 * (and skipped again here, for servers that ignore it); keys not ending in `.writ` are not ours.
 */
export async function listInbox(bucket: Bucket, prefix: string): Promise<InboxListing> {
  const writs: InboxWrit[] = [];
  const badKeys: string[] = [];
  for await (const object of bucket.list(prefix, '/')) {
    const rest = object.key.slice(prefix.length);
    if (!object.key.startsWith(prefix) || rest.includes('/') || !rest.endsWith(WRIT_SUFFIX)) continue;
    const name = rest.slice(0, -WRIT_SUFFIX.length);
    if (isResultName(name)) writs.push({ key: object.key, name, size: object.size });
    else badKeys.push(object.key);
  }
  writs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { writs, badKeys };
}
