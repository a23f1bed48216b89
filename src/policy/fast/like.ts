import type { PatternElem } from './ast.js';

/**
 * Cedar's `like`: `*` matches any run of characters (including none), every other element matches
 * itself, and the pattern must cover the whole string. An escaped `\*` in the policy text arrives
 * from the EST as a literal `*`, so no escape handling is needed here.
 *
 * Matching works on UTF-16 code units. That equals Cedar's matching on Unicode scalar values because
 * both the string (checked by the request view) and every literal run (from Cedar's parser) are well
 * formed: a well-formed run can neither start with a low surrogate nor end with a high one, so it
 * can only match at code point boundaries.
 */
export type LikeMatcher = (s: string) => boolean;

export function compileLike(pattern: readonly PatternElem[]): LikeMatcher {
  // Literal runs between wildcards; n wildcards give n + 1 runs (possibly empty).
  const runs: string[] = [''];
  for (const p of pattern) {
    if (p.kind === 'wildcard') runs.push('');
    else runs.push(`${runs.pop() ?? ''}${p.text}`);
  }
  const first = runs[0] ?? '';
  if (runs.length === 1) return (s) => s === first;
  const last = runs[runs.length - 1] ?? '';
  const middle = runs.slice(1, -1).filter((r) => r.length > 0);
  return (s) => {
    // The ends are anchored and must not overlap.
    if (s.length < first.length + last.length || !s.startsWith(first) || !s.endsWith(last)) return false;
    const end = s.length - last.length;
    let at = first.length;
    // Leftmost placement of each middle run is optimal: a later placement never leaves more room.
    for (const run of middle) {
      const found = s.indexOf(run, at);
      if (found === -1 || found + run.length > end) return false;
      at = found + run.length;
    }
    return true;
  };
}
