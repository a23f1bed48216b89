import type { Entity, EntityRef } from '../../gate.js';

/** REX's singleton sysinfo resources: `sysinfo::Sysinfo::"sysinfo"` and `sysinfo::Uname::"uname"`. */
export const SYSINFO: EntityRef = { type: 'sysinfo::Sysinfo', id: 'sysinfo' };
export const UNAME: EntityRef = { type: 'sysinfo::Uname', id: 'uname' };

export function singleton(ref: EntityRef): Entity[] {
  return [{ uid: ref, attrs: {}, parents: [] }];
}
