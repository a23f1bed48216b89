import { join } from 'node:path';
import { defaultStateDir } from '../../core/state-dir.js';

/** Where the control host keeps its CA: $WRIT_CONTROL_DIR, else <state dir>/control. */
export function defaultControlDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.WRIT_CONTROL_DIR || join(defaultStateDir(env), 'control');
}

export const CONTROL_DIR_HELP = 'CA directory (default: $WRIT_CONTROL_DIR, else <state dir>/control)';
