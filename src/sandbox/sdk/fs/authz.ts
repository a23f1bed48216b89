import { posix } from 'node:path';
import { SandboxError } from '../../errors.js';
import type { AttrValue } from '../../gate.js';
import { action, authorize } from '../authorize.js';
import type { SdkContext } from '../context.js';
import { DIR, FILE, pathEntities } from '../entities.js';

/** REX's file_system action names used by this module. */
export type FsAction = 'open' | 'read' | 'write' | 'create' | 'delete' | 'stat' | 'chmod' | 'move';
export type Kind = typeof FILE | typeof DIR;
export { DIR, FILE };

/** One Cedar request about a path. */
export interface Step {
  readonly act: FsAction;
  readonly kind: Kind;
  readonly path: string;
  readonly context?: Readonly<Record<string, AttrValue>>;
}

/** Asks the gate about one path (entity plus every ancestor Dir); throws AccessDenied unless allowed. */
export function ask(ctx: SdkContext, act: FsAction, kind: Kind, path: string, context?: Readonly<Record<string, AttrValue>>): void {
  const { resource, entities } = pathEntities(path, kind);
  authorize(ctx, action('file_system', act), resource, entities, context ?? {});
}

/** Asks every step in order; the first denial stops the operation before anything happens. */
export function askAll(ctx: SdkContext, steps: readonly Step[]): void {
  for (const s of steps) ask(ctx, s.act, s.kind, s.path, s.context);
}

/** `/a/b` under `/a` -> `/x/b` under `/x`. Null when the roots are equal (nothing to re-check). */
export function rebase(path: string, from: string, to: string): string | null {
  if (from === to) return null;
  if (path === from) return to;
  const prefix = from === '/' ? '/' : `${from}/`;
  // Callers only rebase paths under `from`; anything else is a bug, and guessing could authorize the wrong object.
  if (!path.startsWith(prefix)) throw new SandboxError('INTERNAL', `fs: ${path} is not under ${from}`);
  return posix.join(to, path.slice(prefix.length));
}

/**
 * Authorizes paths below a directory whose requested and real paths may differ (a symlinked ancestor).
 * Each request is made for the requested path and, when different, for the real one: both must allow.
 */
export class Scope {
  readonly #ctx: SdkContext;
  readonly #requested: string;
  readonly #real: string;

  constructor(ctx: SdkContext, requested: string, real: string) {
    this.#ctx = ctx;
    this.#requested = requested;
    this.#real = real;
  }

  /** The real path for a requested path under this scope. */
  real(path: string): string {
    return rebase(path, this.#requested, this.#real) ?? path;
  }

  ask(act: FsAction, kind: Kind, path: string, context?: Readonly<Record<string, AttrValue>>): void {
    ask(this.#ctx, act, kind, path, context);
    this.askReal(act, kind, path, context);
  }

  /** Only the real-path twin (for a request already made for the requested path). */
  askReal(act: FsAction, kind: Kind, path: string, context?: Readonly<Record<string, AttrValue>>): void {
    const real = rebase(path, this.#requested, this.#real);
    // The object really reached through a symlinked ancestor must be allowed as well.
    if (real !== null) ask(this.#ctx, act, kind, real, context);
  }
}
