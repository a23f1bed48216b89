import type { HostModule, HostValue } from '../../host-api.js';
import type { SdkContext } from '../context.js';
import { changeMode } from './chmod.js';
import { copy } from './cp.js';
import { glob } from './glob.js';
import { listDir } from './ls.js';
import { makeDir } from './mkdir.js';
import { move } from './mv.js';
import { readBytes, readText } from './read.js';
import { remove } from './rm.js';
import { statPath } from './stat.js';
import { writeFile } from './write.js';

export { FS_PRELUDE } from './prelude.js';
export { FS_FUNCTIONS } from './catalog.js';
export type { FsErrorCode } from './errno.js';

/**
 * The guest's `fs` global. Every function validates its (untrusted) arguments, spends the operation
 * budget, asks the Gate for each request BEFORE the system call it guards, and works through held
 * descriptors (see safe-open.ts). Functions returning nothing return `undefined`.
 */
export function createFsModule(ctx: SdkContext): HostModule {
  const none = (fn: () => void): HostValue => {
    fn();
    return undefined;
  };
  return Object.freeze({
    read: (path: HostValue) => readText(ctx, path),
    readBytes: (path: HostValue) => readBytes(ctx, path),
    write: (path: HostValue, data: HostValue, options: HostValue) => none(() => { writeFile(ctx, path, data, options); }),
    ls: (path: HostValue) => listDir(ctx, path),
    stat: (path: HostValue) => statPath(ctx, path),
    mkdir: (path: HostValue, options: HostValue) => none(() => { makeDir(ctx, path, options); }),
    rm: (path: HostValue, options: HostValue) => none(() => { remove(ctx, path, options); }),
    cp: (src: HostValue, dst: HostValue, options: HostValue) => none(() => { copy(ctx, src, dst, options); }),
    mv: (src: HostValue, dst: HostValue) => none(() => { move(ctx, src, dst); }),
    chmod: (path: HostValue, mode: HostValue) => none(() => { changeMode(ctx, path, mode); }),
    glob: (pattern: HostValue) => glob(ctx, pattern),
  });
}
