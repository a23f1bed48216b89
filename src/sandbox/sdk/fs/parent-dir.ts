import { ask, DIR, Scope } from './authz.js';
import { pin, withHandle, type Handle } from './safe-open.js';

/**
 * Holds the parent directory of an entry about to be created, replaced or removed: asks `open` on it
 * as written before any system call, pins it, and asks again for its real path when a symlink led
 * elsewhere (the directory really modified must be allowed too). `fn` gets the held directory and a
 * Scope that authorizes children under both paths.
 */
export function withAuthorizedParent<T>(ctx: Parameters<typeof ask>[0], parent: string, fn: (dir: Handle, scope: Scope) => T): T {
  ask(ctx, 'open', DIR, parent);
  return withHandle(pin(parent, parent, { follow: true, directory: true }), (dir) => {
    if (dir.real !== parent) ask(ctx, 'open', DIR, dir.real);
    return fn(dir, new Scope(ctx, parent, dir.real));
  });
}
