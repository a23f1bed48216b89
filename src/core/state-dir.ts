import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where writ keeps host state (the replay store): $WRIT_STATE_DIR, else $XDG_STATE_HOME/writ, else
 * ~/.local/state/writ. Per user, so an unprivileged `writ run` needs no shared writable directory.
 */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.WRIT_STATE_DIR) return env.WRIT_STATE_DIR;
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, 'writ');
  return join(homedir(), '.local', 'state', 'writ');
}
