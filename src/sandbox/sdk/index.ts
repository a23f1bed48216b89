/**
 * The SDK's public face: the host API the sandbox exposes to scripts (`fs`, `net`, `proc`, `sys`,
 * `systemd`), its guest-side prelude, and the function catalog for `writ functions`.
 */
import type { HostApi } from '../host-api.js';
import type { SdkContext } from './context.js';
import { createFsModule, FS_PRELUDE } from './fs/index.js';
import { createInputsModule } from './inputs/index.js';
import { createNetModule } from './net/index.js';
import { createProcModule } from './proc/index.js';
import { createSysModule } from './sys/index.js';
import { createSystemdModule } from './systemd/index.js';
import { SyncCaller } from './sync-call/index.js';

export { FUNCTIONS, type FunctionInfo } from './catalog.js';
export type { SdkContext, HostUser } from './context.js';

export interface Sdk {
  readonly api: HostApi;
  /** Guest-side helpers run before the script (see SandboxOptions.prelude). */
  readonly prelude: string;
  /** Releases the sync-call worker. Idempotent; call when the run ends. */
  dispose(): void;
}

/** Builds one run's host API over `ctx`; every function asks `ctx.gate` before touching the host. */
export function createHostApi(ctx: SdkContext): Sdk {
  // One worker per SDK instance, started on the first blocking network call only.
  const caller = new SyncCaller();
  const api: HostApi = Object.freeze({
    fs: createFsModule(ctx),
    net: createNetModule(ctx, caller),
    proc: createProcModule(ctx),
    sys: createSysModule(ctx),
    systemd: createSystemdModule(ctx),
    inputs: createInputsModule(ctx),
  });
  return { api, prelude: FS_PRELUDE, dispose: () => { caller.dispose(); } };
}
