import { posix } from 'node:path';
import type { AccessRequest, AttrValue, Entity, EntityRef } from '../../sandbox/gate.js';

/**
 * Test fixtures for the fast path's differential tests (not exported from index.ts): a small universe
 * of entities and actions in writ's schema, a request builder that makes requests the way the SDK
 * does, and mutations that make them malformed in the ways Cedar's request validation must catch.
 * Pure data and functions, so the random choices (fast-check) stay in the test files.
 */

/** Path components: wildcards, backslashes, quotes and non-ASCII, so `like` and escaping are exercised. */
export const COMPONENTS = ['var', 'log', 'tmp', 'a', 'x*y', 'é🙂', 'a\\*b', 'q"z', 'ß'] as const;

export const DIRS = ['/', '/var', '/var/log', '/var/log/a', '/tmp', '/tmp/x*y', '/tmp/é🙂', '/a\\*b', '/var/log/a/tmp'] as const;
export const FILES = ['/var/log/a/ß', '/var/log/syslog', '/tmp/a', '/tmp/x*y/q"z', '/tmp/é🙂/ß', '/a\\*b/x*y', '/etc/shadow'] as const;
export const URLS = ['https://example.com/', 'http://example.com/a*b', 'https://é.example/🙂'] as const;
export const PROCESSES = [
  { id: '1', name: 'nginx', username: 'root', command: '/usr/sbin/nginx -g' },
  { id: '42', name: 'sshd', username: 'alice', command: 'sshd: alice' },
] as const;
export const SERVICES = ['nginx.service', 'sshd.service'] as const;
export const USERS = ['alice', 'bob'] as const;
/** Strings for literals: the ids above, attribute values and near misses. */
export const STRINGS = [...DIRS, ...FILES, ...URLS, 'nginx', 'root', 'alice', '', 'x*y', '/tmp/A', 'ß'] as const;

export const FILE = 'file_system::File';
export const DIR = 'file_system::Dir';

/** Actions per namespace, and which resource kinds each applies to (mirrors WRIT_SCHEMA). */
export const ACTIONS: Readonly<Record<string, readonly string[]>> = {
  file_system: ['open', 'chmod', 'chown', 'create', 'delete', 'read', 'stat', 'write', 'network_namespace', 'redacted_read', 'unmount', 'execute', 'move', 'set_x_attr'],
  network: ['GET', 'connect'],
  process_system: ['list', 'list_fds', 'mount_namespace', 'network_namespace', 'kill', 'interrupt', 'trace'],
  systemd: ['start', 'stop', 'restart', 'status', 'daemon_reload'],
  sysinfo: ['list', 'resolve_hostname'],
  sysctl: ['load'],
};
export const GROUPS: Readonly<Record<string, string>> = {
  file_system: 'SafeIO',
  network: 'NetworkAction',
  process_system: 'ProcessAction',
  systemd: 'SystemdAction',
  sysinfo: 'SysinfoAction',
  sysctl: 'SysctlAction',
};

export type ResourceKind = 'file' | 'dir' | 'url' | 'process' | 'service' | 'systemd' | 'uname' | 'sysinfo' | 'hostname' | 'sysctl';

/** Valid [namespace, action] pairs for each resource kind. */
export const ACTIONS_FOR: Readonly<Record<ResourceKind, readonly (readonly [string, string])[]>> = {
  file: (ACTIONS['file_system'] ?? []).filter((a) => a !== 'unmount').map((a) => ['file_system', a] as const),
  dir: ['open', 'chmod', 'chown', 'create', 'delete', 'read', 'stat', 'unmount', 'move', 'set_x_attr'].map((a) => ['file_system', a] as const),
  url: [['network', 'GET'], ['network', 'connect']],
  process: (ACTIONS['process_system'] ?? []).map((a) => ['process_system', a] as const),
  service: [['systemd', 'start'], ['systemd', 'stop'], ['systemd', 'restart'], ['systemd', 'status']],
  systemd: [['systemd', 'daemon_reload']],
  uname: [['sysinfo', 'list']],
  sysinfo: [['sysinfo', 'list']],
  hostname: [['sysinfo', 'resolve_hostname']],
  sysctl: [['sysctl', 'load']],
};

function dirChain(path: string): Entity[] {
  const out: Entity[] = [];
  for (let p = path; ; p = posix.dirname(p)) {
    const parent = p === '/' ? [] : [{ type: DIR, id: posix.dirname(p) }];
    out.push({ uid: { type: DIR, id: p }, attrs: { path: p }, parents: parent });
    if (p === '/') return out;
  }
}

export interface RequestSpec {
  readonly kind: ResourceKind;
  /** Index into ACTIONS_FOR[kind] (taken modulo its length). */
  readonly action: number;
  /** The resource's id: a path, URL, pid, unit name or host name. */
  readonly id: string;
  /** The `path` (or other string) attribute; defaults to the id. */
  readonly attr?: string;
}

function contextFor(action: string, n: number): { context: Record<string, AttrValue>; extra: Entity[] } {
  if (action === 'execute') {
    const args: Entity = { uid: { type: 'file_system::Arguments', id: `args-${n}` }, attrs: { keys: [], flags: ['-l'], positional_values: [] }, parents: [], tags: { x: 'y' } };
    const env: Entity = { uid: { type: 'file_system::Environment', id: `env-${n}` }, attrs: { names: [] }, parents: [], tags: {} };
    return {
      context: { arguments: { __entity: args.uid }, environment: { __entity: env.uid }, user: { username: 'alice', uid: 1000 }, group: { groupname: 'alice', gid: 1000 } },
      extra: [args, env],
    };
  }
  if (action === 'move') return { context: { destination: { path: '/tmp/new', name: 'new', parent_path: '/tmp' } }, extra: [] };
  if (action === 'set_x_attr') return { context: { xattr: { name: 'user.x' } }, extra: [] };
  return { context: {}, extra: [] };
}

/** A well-formed request, shaped as the SDK builds it (resource entity, then its ancestors). */
export function buildRequest(spec: RequestSpec, n = 0): AccessRequest {
  const choices = ACTIONS_FOR[spec.kind];
  const [ns, actionId] = choices[spec.action % choices.length] ?? ['file_system', 'read'];
  const action: EntityRef = { type: `${ns}::Action`, id: actionId };
  const { context, extra } = contextFor(actionId, n);
  const attr = spec.attr ?? spec.id;
  const one = (type: string, attrs: Record<string, AttrValue>): AccessRequest => ({
    action,
    resource: { type, id: spec.id },
    entities: [{ uid: { type, id: spec.id }, attrs, parents: [] }, ...extra],
    context,
  });
  switch (spec.kind) {
    case 'file': {
      const parent = posix.dirname(spec.id);
      const file: Entity = { uid: { type: FILE, id: spec.id }, attrs: { path: attr }, parents: [{ type: DIR, id: parent }] };
      return { action, resource: file.uid, entities: [file, ...dirChain(parent), ...extra], context };
    }
    case 'dir': {
      const [self, ...rest] = dirChain(spec.id);
      const dir: Entity[] = self === undefined ? [] : [{ ...self, attrs: { path: attr } }];
      return { action, resource: { type: DIR, id: spec.id }, entities: [...dir, ...rest, ...extra], context };
    }
    case 'url':
      return one('network::url', { url: attr });
    case 'process': {
      const p = PROCESSES.find((x) => x.id === spec.id) ?? PROCESSES[0];
      return one('process_system::Process', { name: p.name, username: p.username, command: attr === spec.id ? p.command : attr });
    }
    case 'service':
      return one('systemd::Service', { name: attr });
    case 'systemd':
      return one('systemd::Systemd', {});
    case 'uname':
      return one('sysinfo::Uname', {});
    case 'sysinfo':
      return one('sysinfo::Sysinfo', {});
    case 'hostname':
      return one('sysinfo::Hostname', { hostname: attr });
    case 'sysctl':
      return one('sysctl::Sysctl', {});
  }
}

type Mutation = (r: AccessRequest, pick: number) => AccessRequest;

function at<T>(list: readonly T[], pick: number): T | undefined {
  return list.length === 0 ? undefined : list[pick % list.length];
}

function mapEntity(r: AccessRequest, pick: number, f: (e: Entity) => Entity): AccessRequest {
  const i = r.entities.length === 0 ? -1 : pick % r.entities.length;
  return { ...r, entities: r.entities.map((e, k) => (k === i ? f(e) : e)) };
}

/**
 * Changes to a well-formed request. The first ones keep it valid for Cedar (missing entities are
 * allowed: `in` then sees no parents, attribute reads error); the rest make Cedar refuse it.
 */
export const MUTATIONS: readonly (readonly [string, Mutation])[] = [
  ['none', (r) => r],
  ['drop resource entity', (r) => ({ ...r, entities: r.entities.filter((e) => e.uid.id !== r.resource.id || e.uid.type !== r.resource.type) })],
  ['drop one entity', (r, p) => ({ ...r, entities: r.entities.filter((_, k) => k !== p % Math.max(1, r.entities.length)) })],
  ['keep only the resource', (r) => ({ ...r, entities: r.entities.slice(0, 1) })],
  ['no entities', (r) => ({ ...r, entities: [] })],
  ['other user entity', (r) => ({ ...r, entities: [...r.entities, { uid: { type: 'User', id: 'bob' }, attrs: {}, parents: [] }] })],
  ['reverse entity order', (r) => ({ ...r, entities: [...r.entities].reverse() })],
  // From here on Cedar refuses the request (or may): the fast path must not decide differently.
  ['remove an attribute', (r, p) => mapEntity(r, p, (e) => ({ ...e, attrs: {} }))],
  ['extra attribute', (r, p) => mapEntity(r, p, (e) => ({ ...e, attrs: { ...e.attrs, extra: 'x' } }))],
  ['wrong attribute type', (r, p) => mapEntity(r, p, (e) => ({ ...e, attrs: Object.fromEntries(Object.keys(e.attrs).map((k) => [k, 7])) }))],
  ['parent of wrong type', (r, p) => mapEntity(r, p, (e) => ({ ...e, parents: [{ type: FILE, id: '/x' }] }))],
  ['parent is the principal', (r, p) => mapEntity(r, p, (e) => ({ ...e, parents: [{ type: 'User', id: 'alice' }] }))],
  ['tags on a File', (r, p) => mapEntity(r, p, (e) => ({ ...e, tags: { a: 'b' } }))],
  ['empty tags', (r, p) => mapEntity(r, p, (e) => ({ ...e, tags: {} }))],
  ['duplicate entity', (r, p) => ({ ...r, entities: [...r.entities, ...r.entities.filter((e) => e === at(r.entities, p))] })],
  ['conflicting duplicate', (r, p) => ({ ...r, entities: [...r.entities, ...r.entities.slice(p % 2, 1 + (p % 2)).map((e) => ({ ...e, parents: [] }))] })],
  ['principal entity', (r) => ({ ...r, entities: [...r.entities, { uid: { type: 'User', id: 'alice' }, attrs: {}, parents: [] }] })],
  ['cycle', (r) => ({ ...r, entities: r.entities.map((e) => (e.uid.id === '/' ? { ...e, parents: [{ type: DIR, id: r.resource.id }] } : e)) })],
  ['self parent', (r, p) => mapEntity(r, p, (e) => ({ ...e, parents: [e.uid] }))],
  ['context junk', (r) => ({ ...r, context: { ...r.context, junk: 1 } })],
  ['context missing', (r) => ({ ...r, context: {} })],
  ['action group as action', (r) => ({ ...r, action: { type: r.action.type, id: GROUPS[r.action.type.split('::')[0] ?? ''] ?? 'SafeIO' } })],
  ['unknown action', (r) => ({ ...r, action: { type: r.action.type, id: 'reed' } })],
  ['action of another namespace', (r) => ({ ...r, action: { type: 'network::Action', id: 'GET' } })],
  ['unknown entity type', (r) => ({ ...r, entities: [...r.entities, { uid: { type: 'file_system::Nope', id: 'x' }, attrs: {}, parents: [] }] })],
  ['action entity', (r) => ({ ...r, entities: [...r.entities, { uid: r.action, attrs: {}, parents: [] }] })],
  ['lone surrogate in an attribute', (r, p) => mapEntity(r, p, (e) => ({ ...e, attrs: Object.fromEntries(Object.keys(e.attrs).map((k) => [k, 'x\uD800'])) }))],
  ['lone surrogate in the resource id', (r) => ({ ...r, resource: { ...r.resource, id: `${r.resource.id}\uDC00` } })],
  ['entity-form attribute', (r, p) => mapEntity(r, p, (e) => ({ ...e, attrs: Object.fromEntries(Object.keys(e.attrs).map((k) => [k, { __entity: { type: DIR, id: '/' } }])) }))],
];
