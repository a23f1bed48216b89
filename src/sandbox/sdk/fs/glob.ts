import { lstatSync } from 'node:fs';
import { posix } from 'node:path';
import { hasCode } from '../../../core/errors.js';
import { SdkError } from '../../errors.js';
import type { HostValue } from '../../host-api.js';
import type { SdkContext } from '../context.js';
import { canonicalPath } from '../entities.js';
import { askAll, DIR, Scope } from './authz.js';
import { fsError, isErrno } from './errno.js';
import { compileSegment, literalText, matchSegment, type Segment } from './glob-match.js';
import { checkDeadline } from './limits.js';
import { listSteps, readNames } from './ls.js';
import { atPath, closeQuietly, pin, type Handle } from './safe-open.js';
import { openChildDir } from './walk.js';

const MAX_PATTERN_BYTES = 4096;

/** `**` as a whole segment: zero or more directories (never hidden ones, never through symlinks). */
const GLOBSTAR = 'globstar';
type Part = Segment | typeof GLOBSTAR;

/** Adds the states reachable without consuming a name: `**` may match zero directories. */
function closure(parts: readonly Part[], states: Iterable<number>): Set<number> {
  const out = new Set<number>();
  for (const s of states) {
    let i = s;
    out.add(i);
    while (parts[i] === GLOBSTAR) out.add(++i);
  }
  return out;
}

/** The states after consuming `name` from each state in `states`. */
function step(parts: readonly Part[], states: ReadonlySet<number>, name: string): Set<number> {
  const next: number[] = [];
  for (const i of states) {
    const part = parts[i];
    if (part === undefined) continue;
    if (part === GLOBSTAR) {
      if (!name.startsWith('.')) next.push(i);
    } else if (matchSegment(part, name)) {
      next.push(i + 1);
    }
  }
  return closure(parts, next);
}

interface Walk {
  readonly ctx: SdkContext;
  readonly scope: Scope;
  readonly parts: readonly Part[];
  readonly results: string[];
}

/** Lists one held directory and descends into real (non-symlink) subdirectories that can still match. */
function walk(w: Walk, dirFd: number, dirPath: string, states: ReadonlySet<number>): void {
  const end = w.parts.length;
  for (const name of readNames(dirFd, dirPath)) {
    checkDeadline(w.ctx);
    // Recursive work pays per entry examined.
    w.ctx.budget.spend();
    const next = step(w.parts, states, name);
    if (next.size === 0) continue;
    const path = posix.join(dirPath, name);
    if (next.has(end)) w.results.push(path);
    if (![...next].some((i) => i < end)) continue;
    let isDir: boolean;
    try {
      isDir = lstatSync(atPath(dirFd, name)).isDirectory();
    } catch (err) {
      if (isErrno(err, 'ENOENT')) continue; // removed since readdir
      throw fsError(err, path);
    }
    if (!isDir) continue; // symlinks are matched but never walked into
    const child = openChildDir(dirFd, name, path);
    try {
      // Every directory walked is authorized before it is listed; a denial ends the whole glob.
      w.scope.ask('open', DIR, path);
      w.scope.ask('read', DIR, path);
      walk(w, child, path, next);
    } finally {
      closeQuietly(child);
    }
  }
}

/**
 * fs.glob(pattern) -> sorted absolute paths. The pattern is absolute; `*`, `?` and `[...]` match within
 * one name (not a leading `.`), `**` matches any depth. The longest literal directory prefix is the
 * base; `open`+`read` is asked on the base and on every directory walked below it. A denied directory
 * throws AccessDenied (explicit, never a silently partial answer). Symlinks can be matched but are never
 * walked into. A missing base gives [].
 */
export function glob(ctx: SdkContext, rawPattern: HostValue): string[] {
  ctx.budget.spend();
  const pattern = canonicalPath(rawPattern, 'pattern');
  // Matching runs on the host thread: bound the pattern like the kernel bounds a path (PATH_MAX).
  if (Buffer.byteLength(pattern) > MAX_PATTERN_BYTES) throw new SdkError('INVALID_ARGUMENT', 'pattern is too long');
  if (pattern === '/') return ['/'];
  const parts: Part[] = pattern
    .slice(1)
    .split('/')
    .map((p) => (p === '**' ? GLOBSTAR : compileSegment(p)));
  let k = 0;
  while (k < parts.length - 1) {
    const part = parts[k];
    if (part === undefined || part === GLOBSTAR || !part.literal) break;
    k++;
  }
  // Escapes are removed from the literal prefix, which could spell `.` or `..`: canonicalize it again.
  const base = canonicalPath(`/${parts.slice(0, k).map((p) => (p === GLOBSTAR ? '**' : literalText(p))).join('/')}`, 'pattern');
  const rest = parts.slice(k);
  // Before any system call: the base directory as written.
  askAll(ctx, listSteps(base));
  let handle: Handle;
  try {
    handle = pin(base, base, { follow: true, directory: true });
  } catch (err) {
    if (hasCode(err, 'NOT_FOUND') || hasCode(err, 'NOT_A_DIR')) return [];
    throw err;
  }
  try {
    // A symlinked base: the directory really walked must be allowed too.
    if (handle.real !== base) askAll(ctx, listSteps(handle.real));
    const w: Walk = { ctx, scope: new Scope(ctx, base, handle.real), parts: rest, results: [] };
    walk(w, handle.fd, base, closure(rest, [0]));
    return w.results.sort();
  } finally {
    closeQuietly(handle.fd);
  }
}
