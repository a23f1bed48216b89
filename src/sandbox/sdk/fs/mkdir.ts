import { mkdirSync, openSync } from 'node:fs';
import { posix } from 'node:path';
import { SdkError } from '../../errors.js';
import type { HostValue } from '../../host-api.js';
import type { SdkContext } from '../context.js';
import { canonicalPath } from '../entities.js';
import { parseFlags } from './args.js';
import { askAll, DIR, Scope, type Step } from './authz.js';
import { fsError, isErrno, sys } from './errno.js';
import { checkDeadline } from './limits.js';
import { atPath, closeQuietly, type Handle, O_DIRECTORY, O_NOFOLLOW, O_PATH, tryPin, withHandle } from './safe-open.js';

/** REX's requests for creating a directory: open its parent, create it. */
export function mkdirSteps(path: string): Step[] {
  return [
    { act: 'open', kind: DIR, path: posix.dirname(path) },
    { act: 'create', kind: DIR, path },
  ];
}

/** Pins the deepest existing ancestor of `path` and lists the names missing below it (top-down). */
function findBase(path: string, recursive: boolean): { handle: Handle; base: string; missing: string[] } {
  const missing: string[] = [];
  let base = path;
  if (!recursive) {
    missing.push(posix.basename(path));
    base = posix.dirname(path);
  }
  for (;;) {
    const handle = tryPin(base, base, { follow: true, directory: true });
    if (handle !== null) return { handle, base, missing };
    if (!recursive) throw new SdkError('NOT_FOUND', `${base} does not exist`);
    missing.unshift(posix.basename(base));
    base = posix.dirname(base); // terminates: "/" always exists
  }
}

/** Creates `missing` one level at a time below a held directory, never following a link planted meanwhile. */
function createChain(ctx: SdkContext, base: Handle, missing: readonly string[], levels: readonly string[], recursive: boolean): void {
  let cur = base.fd;
  let owned = false;
  try {
    for (const [i, name] of missing.entries()) {
      checkDeadline(ctx);
      const shownAs = levels[i] ?? name;
      const target = atPath(cur, name);
      try {
        mkdirSync(target, 0o777);
      } catch (err) {
        // mkdir -p tolerates a directory created concurrently; the O_NOFOLLOW open below proves it is one.
        if (!(recursive && isErrno(err, 'EEXIST'))) throw fsError(err, shownAs);
      }
      if (i === missing.length - 1) break;
      // Descend without following: a symlink swapped in here would lead outside what was authorized.
      const next = sys(shownAs, () => openSync(target, O_PATH | O_DIRECTORY | O_NOFOLLOW));
      if (owned) closeQuietly(cur);
      cur = next;
      owned = true;
    }
  } finally {
    if (owned) closeQuietly(cur);
  }
}

/**
 * fs.mkdir(path, {recursive?}). Requests: `open` Dir(parent) + `create` Dir(path) first (before any
 * system call), then with `recursive` the same pair for every missing ancestor, top-down. Everything
 * is authorized before the first directory is created, so a denial creates nothing.
 */
export function makeDir(ctx: SdkContext, rawPath: HostValue, options: HostValue): void {
  ctx.budget.spend();
  const path = canonicalPath(rawPath);
  const recursive = parseFlags(options, ['recursive'], 'fs.mkdir').recursive === true;
  if (path === '/') {
    if (recursive) return;
    throw new SdkError('EXISTS', '/ exists');
  }
  // Before any system call: the directory as written.
  askAll(ctx, mkdirSteps(path));
  const { handle, base, missing } = findBase(path, recursive);
  withHandle(handle, (b) => {
    if (missing.length === 0) return; // mkdir -p of an existing directory
    const levels = missing.map((_, i) => posix.join(base, ...missing.slice(0, i + 1)));
    // Each extra ancestor is extra host work.
    ctx.budget.spend(levels.length - 1);
    const scope = new Scope(ctx, base, b.real);
    for (const [i, level] of levels.entries()) {
      const last = i === levels.length - 1;
      for (const s of mkdirSteps(level)) {
        // The target's requests were made above; ancestors get both. A symlinked base adds the real twins.
        if (last) scope.askReal(s.act, s.kind, s.path);
        else scope.ask(s.act, s.kind, s.path);
      }
    }
    createChain(ctx, b, missing, levels, recursive);
  });
}
