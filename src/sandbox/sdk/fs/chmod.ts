import { chmodSync } from 'node:fs';
import type { HostValue } from '../../host-api.js';
import type { SdkContext } from '../context.js';
import { canonicalPath } from '../entities.js';
import { parseMode } from './args.js';
import { ask, DIR, FILE } from './authz.js';
import { sys } from './errno.js';
import { fdPath, pin, withHandle } from './safe-open.js';

/**
 * fs.chmod(path, mode). The path is pinned with O_PATH first (no side effects) to learn whether it is a
 * File or a Dir; `chmod` is then asked on that entity (and on the real path when a symlink was
 * followed) before the mode changes. The change goes through the pinned descriptor's magic link, so it
 * lands on the inode that was authorized even if the path is swapped meanwhile.
 */
export function changeMode(ctx: SdkContext, rawPath: HostValue, rawMode: HostValue): void {
  ctx.budget.spend();
  const path = canonicalPath(rawPath);
  const mode = parseMode(rawMode);
  withHandle(pin(path, path, { follow: true }), (h) => {
    const kind = h.stat.isDirectory() ? DIR : FILE;
    ask(ctx, 'chmod', kind, path);
    // A symlink on the way: the inode really changed must be allowed too.
    if (h.real !== path) ask(ctx, 'chmod', kind, h.real);
    // fchmod refuses O_PATH descriptors; chmod on the magic link reaches the same pinned inode.
    sys(path, () => { chmodSync(fdPath(h.fd), mode); });
  });
}
