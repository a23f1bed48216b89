import { AccessDeniedError } from '../errors.js';
import type { AttrValue, Entity, EntityRef } from '../gate.js';
import type { SdkContext } from './context.js';

/** Builds an action reference in REX's form: `file_system::Action::"read"`. */
export function action(namespace: string, name: string): EntityRef {
  return { type: `${namespace}::Action`, id: name };
}

/**
 * Asks the gate and throws AccessDeniedError unless it answers allow. Every SDK function calls this
 * before the system call it guards; anything but an explicit 'allow' denies (fail closed).
 */
export function authorize(
  ctx: SdkContext,
  act: EntityRef,
  resource: EntityRef,
  entities: readonly Entity[],
  context: Readonly<Record<string, AttrValue>> = {},
): void {
  const decision = ctx.gate.authorize({ action: act, resource, entities, context });
  if (decision !== 'allow') throw new AccessDeniedError(act, resource);
}
