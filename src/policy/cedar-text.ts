import type { EntityRef } from '../sandbox/gate.js';

/**
 * Printing values as Cedar policy text. Entity ids are arbitrary strings (paths, URLs, unit names)
 * and may contain quotes, backslashes or newlines; a wrong escape would make a generated policy name
 * a different resource than the one observed, so escaping lives in one place and is round-trip tested.
 */

/** Lone UTF-16 surrogates have no UTF-8 form, so no Cedar string can contain them. */
const LONE_SURROGATE = /\p{Surrogate}/u;

export function isCedarWritable(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

const SHORT_ESCAPES = new Map([
  ['\n', '\\n'],
  ['\r', '\\r'],
  ['\t', '\\t'],
  ['\0', '\\0'],
]);

/**
 * Controls, invisible format characters (zero-width, bidi overrides) and line separators: printed as
 * `\u{..}` so the literal stays on one line and reads as what it matches (no "Trojan Source" ids).
 */
const INVISIBLE = /^[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]$/u;

/** A Cedar string literal for `s`. Throws for a string Cedar cannot represent (see isCedarWritable). */
export function cedarString(s: string): string {
  if (!isCedarWritable(s)) throw new TypeError('string contains a lone surrogate');
  let out = '"';
  for (const ch of s) {
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (SHORT_ESCAPES.has(ch)) out += SHORT_ESCAPES.get(ch) ?? '';
    else if (INVISIBLE.test(ch)) out += `\\u{${(ch.codePointAt(0) ?? 0).toString(16)}}`;
    else out += ch;
  }
  return `${out}"`;
}

/** `file_system::File::"/etc/hosts"` as policy text (type names are identifiers, printed as is). */
export function cedarEntity(ref: EntityRef): string {
  return `${ref.type}::${cedarString(ref.id)}`;
}

/** Text safe to put after `//`: one line, whatever the input contains. */
export function commentText(s: string): string {
  return s.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`);
}
