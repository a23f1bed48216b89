import { WritError } from '../../core/errors.js';

/**
 * Subject names of the NATS transport. Host names and tags become single subject tokens, so one
 * host can never receive another's writs or write into another's results by its choice of name.
 */

/** A subject prefix: one or more plain tokens (the config allows one; dotted ones are harmless). */
const PREFIX_PATTERN = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;

/**
 * `name` as one subject token: '%' becomes '%25' and '.' becomes '%2E', so `a.b` and `a_b` (or a
 * literal `a%2Eb`) never share a subject. Whitespace, '*', '>' and anything outside printable ASCII
 * are refused: they would split the subject, act as wildcards, or look alike while differing.
 */
export function subjectToken(name: string): string {
  if (name.length === 0) throw new WritError('CONFIG_INVALID', 'an empty name cannot be a NATS subject token');
  let token = '';
  for (const char of name) {
    const code = char.codePointAt(0) ?? 0;
    // Printable ASCII without the space: anything else is invisible, look-alike or splits the subject.
    if (code <= 0x20 || code >= 0x7f) throw new WritError('CONFIG_INVALID', `${JSON.stringify(name)} cannot be a NATS subject token: it holds whitespace or a character outside printable ASCII`);
    // Wildcards in a published subject are refused by the server; in a filter they would match other hosts.
    if (char === '*' || char === '>') throw new WritError('CONFIG_INVALID', `${JSON.stringify(name)} cannot be a NATS subject token: it holds the wildcard ${char}`);
    if (char === '%') token += '%25';
    else if (char === '.') token += '%2E';
    else token += char;
  }
  return token;
}

/** Refuses a prefix that is empty, holds wildcards or spaces, or would add empty tokens. */
export function checkSubjectPrefix(prefix: string): string {
  if (!PREFIX_PATTERN.test(prefix)) throw new WritError('CONFIG_INVALID', `nats.subjectPrefix ${JSON.stringify(prefix)} must be tokens of A-Z a-z 0-9 _ - separated by dots`);
  return prefix;
}

export type RunTarget = { readonly host: string } | { readonly tag: string };

/** Where a writ for one host, or for every host with a tag, is published. */
export function runSubject(prefix: string, target: RunTarget): string {
  const base = `${checkSubjectPrefix(prefix)}.run`;
  return 'host' in target ? `${base}.host.${subjectToken(target.host)}` : `${base}.tag.${subjectToken(target.tag)}`;
}

/** Everything a run stream holds: `<prefix>.run.>`. */
export function runsWildcard(prefix: string): string {
  return `${checkSubjectPrefix(prefix)}.run.>`;
}

/** Everything a results stream holds: `<prefix>.result.>`. */
export function resultsWildcard(prefix: string): string {
  return `${checkSubjectPrefix(prefix)}.result.>`;
}

/**
 * The subject under which `hostName` publishes the results of the writ stored at `seq` in the runs
 * stream: `.accepted`, `.log` and, last, `.done` below it. The sender learns `seq` from its PubAck.
 */
export function resultSubject(prefix: string, hostName: string, seq: number): string {
  if (!Number.isSafeInteger(seq) || seq <= 0) throw new WritError('CONFIG_INVALID', `a stream sequence is a positive whole number (got ${seq})`);
  return `${checkSubjectPrefix(prefix)}.result.${subjectToken(hostName)}.${seq}`;
}
