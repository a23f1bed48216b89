import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const CLI_ENTRY = join(root, 'src/cli/entry.ts');
const COMPILED_ENTRY = join(root, 'dist/cli/entry.js');
const HELPER = /(\.test\.ts|\/testing\/.*|\/testing\.ts|test-harness\.ts|test-support\.ts)$/;

function sourcesIn(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sourcesIn(path);
    return e.name.endsWith('.ts') && !HELPER.test(path) ? [path] : [];
  });
}

/**
 * True when every source file has a compiled twin at least as new. Spawning the compiled CLI takes
 * ~0.3 s against ~2 s through tsx; the check keeps tests from ever running a stale build.
 */
function compiledIsFresh(): boolean {
  try {
    return sourcesIn(join(root, 'src')).every((src) => {
      const out = join(root, 'dist', relative(join(root, 'src'), src).replace(/\.ts$/, '.js'));
      return statSync(out).mtimeMs >= statSync(src).mtimeMs;
    });
  } catch {
    return false;
  }
}

/** argv prefix that starts the CLI: the fresh build, else the sources through tsx. */
export const CLI_COMMAND: readonly string[] = compiledIsFresh() ? [COMPILED_ENTRY] : ['--import', 'tsx', CLI_ENTRY];

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real `writ` command in a child process. */
export function writ(args: readonly string[], options: { input?: string | Buffer; cwd?: string; env?: Record<string, string> } = {}): CliResult {
  const res = spawnSync(process.execPath, [...CLI_COMMAND, ...args], {
    encoding: 'utf8',
    input: options.input ?? '',
    cwd: options.cwd ?? process.cwd(),
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, ...options.env },
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}
