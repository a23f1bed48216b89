import { posix } from 'node:path';
import type { AccessRequest, AttrValue, Entity, EntityRef } from '../sandbox/gate.js';
import { validatePolicy, type ValidatedPolicy } from './validate.js';

/**
 * Test fixtures for src/policy (not exported from index.ts): requests in the shape the sandbox SDK
 * builds them (resource entity plus every ancestor Dir), written independently of the SDK so these
 * tests pin the Cedar contract rather than the SDK's current code.
 */

export const ALICE: EntityRef = { type: 'User', id: 'alice' };

export function policy(text: string, path = 'policy.cedar'): ValidatedPolicy {
  return validatePolicy({ path, text });
}

function dirChain(path: string): Entity[] {
  const out: Entity[] = [];
  for (let p = path; ; p = posix.dirname(p)) {
    const parent = p === '/' ? [] : [{ type: 'file_system::Dir', id: posix.dirname(p) }];
    out.push({ uid: { type: 'file_system::Dir', id: p }, attrs: { path: p }, parents: parent });
    if (p === '/') return out;
  }
}

export function fileRequest(action: string, path: string, context: Record<string, AttrValue> = {}): AccessRequest {
  const parent = posix.dirname(path);
  const file: Entity = {
    uid: { type: 'file_system::File', id: path },
    attrs: { path },
    parents: [{ type: 'file_system::Dir', id: parent }],
  };
  return {
    action: { type: 'file_system::Action', id: action },
    resource: file.uid,
    entities: [file, ...dirChain(parent)],
    context,
  };
}

export function dirRequest(action: string, path: string): AccessRequest {
  return {
    action: { type: 'file_system::Action', id: action },
    resource: { type: 'file_system::Dir', id: path },
    entities: dirChain(path),
    context: {},
  };
}

let nonce = 0;

/** REX's execute shape: Arguments/Environment entities with fresh ids, user and group records. */
export function executeRequest(program: string, argv: { flags?: string[]; positional?: string[] } = {}): AccessRequest {
  const base = fileRequest('execute', program);
  const n = nonce++;
  const args: Entity = {
    uid: { type: 'file_system::Arguments', id: `args-${n}` },
    attrs: { keys: [], flags: argv.flags ?? [], positional_values: argv.positional ?? [] },
    parents: [],
    tags: {},
  };
  const env: Entity = { uid: { type: 'file_system::Environment', id: `env-${n}` }, attrs: { names: [] }, parents: [], tags: {} };
  return {
    ...base,
    entities: [...base.entities, args, env],
    context: {
      arguments: { __entity: args.uid },
      environment: { __entity: env.uid },
      user: { username: 'alice', uid: 1000 },
      group: { groupname: 'alice', gid: 1000 },
    },
  };
}

export function urlRequest(action: string, url: string): AccessRequest {
  const entity: Entity = { uid: { type: 'network::url', id: url }, attrs: { url }, parents: [] };
  return { action: { type: 'network::Action', id: action }, resource: entity.uid, entities: [entity], context: {} };
}

export const REX_QUICK_START = `permit(principal, action in [file_system::Action::"open"], resource) when { resource == file_system::Dir::"/tmp" || resource == file_system::Dir::"/private/tmp" };
permit(principal, action in [file_system::Action::"open", file_system::Action::"read", file_system::Action::"write", file_system::Action::"create"], resource) when { resource == file_system::File::"/tmp/rex-hello-world" || resource == file_system::File::"/private/tmp/rex-hello-world" };
`;
