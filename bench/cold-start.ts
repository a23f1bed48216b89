/** Cold start of `writ run` for a hello script against `node -e` printing hello, both as new processes. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './stats.js';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface ColdStartResult {
  readonly nodeMs: number;
  readonly writMs: number;
  readonly ratio: number;
}

function timeProcess(args: readonly string[]): number {
  const start = performance.now();
  const res = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const ms = performance.now() - start;
  if (res.status !== 0) throw new Error(`${args.join(' ')} exited ${res.status}: ${res.stderr}`);
  return ms;
}

export function benchColdStart(runs = 10): ColdStartResult {
  // The installed command runs from dist/; measure that, not the TypeScript loader.
  if (!existsSync(join(root, 'dist/cli/entry.js'))) {
    const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
    if (build.status !== 0) throw new Error('npm run build failed');
  }
  const dir = mkdtempSync(join(tmpdir(), 'writ-cold-'));
  try {
    writeFileSync(join(dir, 'hello.js'), `console.log('hello')`);
    writeFileSync(join(dir, 'p.cedar'), '');
    const writ = [join(root, 'bin/writ.js'), 'run', '--script', join(dir, 'hello.js'), '--policy', join(dir, 'p.cedar')];
    const node = ['-e', `console.log('hello')`];
    timeProcess(writ);
    timeProcess(node);
    const writTimes: number[] = [];
    const nodeTimes: number[] = [];
    for (let i = 0; i < runs; i++) {
      writTimes.push(timeProcess(writ));
      nodeTimes.push(timeProcess(node));
    }
    const writMs = median(writTimes);
    const nodeMs = median(nodeTimes);
    return { nodeMs, writMs, ratio: writMs / nodeMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
