import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { HostUser } from '../sandbox/sdk/context.js';

/** Group name for a gid from /etc/group; falls back to the number so a request never lacks a name. */
function groupName(gid: number): string {
  try {
    for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (name !== undefined && id !== undefined && Number(id) === gid) return name;
    }
  } catch {
    // No /etc/group (minimal containers): the numeric id is still a faithful name.
  }
  return String(gid);
}

/** The OS user the runner acts as; it becomes the Cedar principal `User::"<username>"`. */
export function currentHostUser(): HostUser {
  const info = userInfo();
  return { username: info.username, uid: info.uid, gid: info.gid, groupname: groupName(info.gid) };
}
