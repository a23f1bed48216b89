import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The demo's way of showing things: numbered steps, files as written, commands as run. */
export const writ = fileURLToPath(new URL('../bin/writ.js', import.meta.url));

export function step(title: string): void {
  process.stdout.write(`\n\x1b[1m== ${title}\x1b[0m\n`);
}

export function show(path: string, text: string): void {
  writeFileSync(path, text);
  process.stdout.write(`\x1b[2m${path}:\x1b[0m\n${text.trim()}\n`);
}

export function runWrit(dir: string, args: string[], stdinFile?: string): number {
  process.stdout.write(`\x1b[2m$ writ ${args.join(' ')}${stdinFile ? ` < ${stdinFile}` : ''}\x1b[0m\n`);
  const res = spawnSync(process.execPath, [writ, ...args], {
    stdio: [stdinFile ? 'pipe' : 'inherit', 'inherit', 'inherit'],
    ...(stdinFile ? { input: readFileSync(stdinFile) } : {}),
    env: { ...process.env, WRIT_STATE_DIR: join(dir, 'state') },
  });
  process.stdout.write(`\x1b[2m(exit code ${res.status})\x1b[0m\n`);
  return res.status ?? -1;
}
