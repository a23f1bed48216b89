import type { Entity, EntityRef } from '../../gate.js';

export const URL_TYPE = 'network::url';
export const HOSTNAME_TYPE = 'sysinfo::Hostname';

/** `network::url::"<url>"` with attribute `url`, as REX builds it. */
export function urlEntity(url: string): { resource: EntityRef; entities: Entity[] } {
  const uid: EntityRef = { type: URL_TYPE, id: url };
  return { resource: uid, entities: [{ uid, attrs: { url }, parents: [] }] };
}

/** `sysinfo::Hostname::"<host>"` with attribute `hostname`. */
export function hostnameEntity(hostname: string): { resource: EntityRef; entities: Entity[] } {
  const uid: EntityRef = { type: HOSTNAME_TYPE, id: hostname };
  return { resource: uid, entities: [{ uid, attrs: { hostname }, parents: [] }] };
}
