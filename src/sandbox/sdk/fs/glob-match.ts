/**
 * Matching of one glob path segment (`*`, `?`, `[...]`, `\` escapes) against one file name.
 *
 * Written here rather than with picomatch or a RegExp on purpose: the pattern comes from an untrusted
 * script and matching runs on the HOST thread, where the sandbox's interrupt handler cannot stop it. A
 * pattern turned into a backtracking RegExp (`*a*a*a*a*b`) can take exponential-looking time; this
 * matcher is the classic two-pointer wildcard algorithm, O(name x pattern) in the worst case.
 */

type Token =
  | { readonly t: 'lit'; readonly c: string }
  | { readonly t: 'one' }
  | { readonly t: 'star' }
  | { readonly t: 'class'; readonly negate: boolean; readonly ranges: readonly (readonly [number, number])[] };

export interface Segment {
  readonly tokens: readonly Token[];
  /** True when the segment has no wildcard, so it names exactly one entry. */
  readonly literal: boolean;
  /** A wildcard segment not starting with a literal `.` does not match dot-files (shell behaviour). */
  readonly dotOk: boolean;
}

/** Parses `[...]` starting at chars[i] === '['; returns null when unterminated (then `[` is literal). */
function parseClass(chars: readonly string[], start: number): { token: Token; next: number } | null {
  let i = start + 1;
  let negate = false;
  if (chars[i] === '!' || chars[i] === '^') {
    negate = true;
    i++;
  }
  const ranges: [number, number][] = [];
  let first = true;
  while (i < chars.length) {
    let c = chars[i];
    if (c === undefined) break;
    if (c === ']' && !first) return { token: { t: 'class', negate, ranges }, next: i + 1 };
    first = false;
    if (c === '\\' && i + 1 < chars.length) {
      i++;
      c = chars[i] ?? c;
    }
    const lo = c.codePointAt(0) ?? 0;
    const dash = chars[i + 1];
    const hiChar = chars[i + 2];
    if (dash === '-' && hiChar !== undefined && hiChar !== ']') {
      const hi = hiChar.codePointAt(0) ?? 0;
      ranges.push([lo, hi]);
      i += 3;
    } else {
      ranges.push([lo, lo]);
      i += 1;
    }
  }
  return null;
}

/** Compiles one segment (no `/` inside). */
export function compileSegment(segment: string): Segment {
  const chars = Array.from(segment);
  const tokens: Token[] = [];
  let literal = true;
  for (let i = 0; i < chars.length; ) {
    const c = chars[i] ?? '';
    if (c === '\\' && i + 1 < chars.length) {
      tokens.push({ t: 'lit', c: chars[i + 1] ?? '' });
      i += 2;
    } else if (c === '*') {
      // Consecutive stars are one star.
      if (tokens.at(-1)?.t !== 'star') tokens.push({ t: 'star' });
      literal = false;
      i++;
    } else if (c === '?') {
      tokens.push({ t: 'one' });
      literal = false;
      i++;
    } else if (c === '[') {
      const cls = parseClass(chars, i);
      if (cls === null) {
        tokens.push({ t: 'lit', c });
        i++;
      } else {
        tokens.push(cls.token);
        literal = false;
        i = cls.next;
      }
    } else {
      tokens.push({ t: 'lit', c });
      i++;
    }
  }
  const head = tokens[0];
  return { tokens, literal, dotOk: head !== undefined && head.t === 'lit' && head.c === '.' };
}

/** The literal text of a literal segment (escapes removed). */
export function literalText(seg: Segment): string {
  return seg.tokens.map((t) => (t.t === 'lit' ? t.c : '')).join('');
}

function single(token: Token, ch: string): boolean {
  switch (token.t) {
    case 'lit':
      return token.c === ch;
    case 'one':
      return true;
    case 'class': {
      const cp = ch.codePointAt(0) ?? -1;
      const inside = token.ranges.some(([lo, hi]) => cp >= lo && cp <= hi);
      return inside !== token.negate;
    }
    case 'star':
      return false;
  }
}

/** Does `name` match the segment? Greedy star with a single backtrack point: O(n x m). */
export function matchSegment(seg: Segment, name: string): boolean {
  // Hidden entries only match a pattern that asks for them explicitly.
  if (name.startsWith('.') && !seg.dotOk) return false;
  const s = Array.from(name);
  const p = seg.tokens;
  let si = 0;
  let pi = 0;
  let starP = -1;
  let starS = 0;
  while (si < s.length) {
    const tok = p[pi];
    const ch = s[si] ?? '';
    if (tok !== undefined && tok.t === 'star') {
      starP = pi++;
      starS = si;
    } else if (tok !== undefined && single(tok, ch)) {
      pi++;
      si++;
    } else if (starP >= 0) {
      pi = starP + 1;
      si = ++starS;
    } else {
      return false;
    }
  }
  while (p[pi]?.t === 'star') pi++;
  return pi === p.length;
}
