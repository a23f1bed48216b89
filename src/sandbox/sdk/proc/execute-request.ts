import { randomUUID } from 'node:crypto';
import type { AttrValue, Entity, EntityRef } from '../../gate.js';
import { action, authorize } from '../authorize.js';
import type { SdkContext } from '../context.js';
import { FILE, pathEntities } from '../entities.js';
import { describeArguments } from './arguments.js';

export const EXECUTE = action('file_system', 'execute');
export const ARGUMENTS_TYPE = 'file_system::Arguments';
export const ENVIRONMENT_TYPE = 'file_system::Environment';

/**
 * Authorizes `file_system::Action::"execute"` on `programPath` in REX's shape: resource File with its
 * ancestor Dirs; context `{arguments, environment, user, group}` where arguments and environment are
 * entity references (fresh ids per request) to Arguments/Environment entities carrying tags.
 * Used by proc.exec and by every SDK helper that runs a program (systemctl): no program runs unasked.
 */
export function authorizeExecute(
  ctx: SdkContext,
  programPath: string,
  argv: readonly string[],
  env: Readonly<Record<string, string>>,
): void {
  const { resource, entities } = pathEntities(programPath, FILE);
  const args = describeArguments(argv);
  const nonce = randomUUID();
  const argsRef: EntityRef = { type: ARGUMENTS_TYPE, id: `args-${nonce}` };
  const envRef: EntityRef = { type: ENVIRONMENT_TYPE, id: `env-${nonce}` };
  const names = Object.keys(env).sort();
  const argsEntity: Entity = {
    uid: argsRef,
    attrs: { keys: args.keys, flags: args.flags, positional_values: args.positional },
    parents: [],
    tags: args.tags,
  };
  const envEntity: Entity = { uid: envRef, attrs: { names }, parents: [], tags: { ...env } };
  const context: Record<string, AttrValue> = {
    arguments: { __entity: argsRef },
    environment: { __entity: envRef },
    user: { username: ctx.user.username, uid: ctx.user.uid },
    group: { groupname: ctx.user.groupname, gid: ctx.user.gid },
  };
  authorize(ctx, EXECUTE, resource, [...entities, argsEntity, envEntity], context);
}
