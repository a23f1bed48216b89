/**
 * The sandbox's authorization port. The SDK builds one AccessRequest per host operation, in REX's
 * Cedar vocabulary, and asks the Gate BEFORE touching the host. The runner plugs Cedar in here; the
 * sandbox itself knows nothing of policies.
 */

/** A Cedar entity reference: `type` is fully qualified, e.g. `file_system::File`. */
export interface EntityRef {
  readonly type: string;
  readonly id: string;
}

/** Attribute values in Cedar's JSON entity format (entity references as `{ __entity: {type,id} }`). */
export type AttrValue =
  | string
  | number
  | boolean
  | readonly AttrValue[]
  | { readonly __entity: EntityRef }
  | { readonly [key: string]: AttrValue };

export interface Entity {
  readonly uid: EntityRef;
  readonly attrs: Readonly<Record<string, AttrValue>>;
  readonly parents: readonly EntityRef[];
  /** Cedar entity tags (REX's file_system::Arguments / Environment carry tags). */
  readonly tags?: Readonly<Record<string, string>>;
}

export interface AccessRequest {
  /** e.g. `{ type: 'file_system::Action', id: 'read' }` */
  readonly action: EntityRef;
  readonly resource: EntityRef;
  /** The resource entity itself, its ancestors, and any entity the context refers to. Not the principal. */
  readonly entities: readonly Entity[];
  readonly context: Readonly<Record<string, AttrValue>>;
}

export type Decision = 'allow' | 'deny';

export interface Gate {
  authorize(request: AccessRequest): Decision;
}

/** `file_system::File::"/etc/shadow"`: how entities are printed in errors and decision logs. */
export function formatEntityRef(ref: EntityRef): string {
  return `${ref.type}::${JSON.stringify(ref.id)}`;
}
