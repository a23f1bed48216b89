import type { AccessRequest } from '../../gate.js';
import { action } from '../authorize.js';
import type { SdkContext } from '../context.js';
import { processEntity } from './entities.js';
import { listPids, readProcess } from './procfs.js';
import { userNames } from './passwd.js';

const LIST = action('process_system', 'list');

export type ProcessRow = { readonly pid: number; readonly name: string; readonly username: string; readonly command: string };

/**
 * `proc.list()`: one `process_system::Action::"list"` request per process, with its attributes;
 * processes the policy does not permit are left out silently (REX's per-process list policy), so a
 * policy like `resource.username == "nobody"` yields just those. Every process read costs one op.
 */
export function procList(ctx: SdkContext): ProcessRow[] {
  ctx.budget.spend();
  const userName = userNames();
  const rows: ProcessRow[] = [];
  for (const pid of listPids()) {
    // The budget bounds how much of /proc one call may read and how many Cedar questions it asks.
    ctx.budget.spend();
    const info = readProcess(pid, userName);
    if (info === undefined) continue;
    const { resource, entities } = processEntity(info);
    const request: AccessRequest = { action: LIST, resource, entities, context: {} };
    // Fail closed: only an explicit allow shows the process.
    if (ctx.gate.authorize(request) !== 'allow') continue;
    rows.push({ pid: info.pid, name: info.name, username: info.username, command: info.command });
  }
  return rows;
}
