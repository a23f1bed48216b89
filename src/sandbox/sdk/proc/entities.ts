import type { Entity, EntityRef } from '../../gate.js';
import type { ProcessInfo } from './procfs.js';

export const PROCESS_TYPE = 'process_system::Process';

/** `process_system::Process::"<pid>"` with REX's attributes name, username, command. */
export function processEntity(info: ProcessInfo): { resource: EntityRef; entities: Entity[] } {
  const uid: EntityRef = { type: PROCESS_TYPE, id: String(info.pid) };
  return {
    resource: uid,
    entities: [{ uid, attrs: { name: info.name, username: info.username, command: info.command }, parents: [] }],
  };
}
