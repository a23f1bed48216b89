/**
 * `npm run demo`: the main job end to end on embedded defaults. A script reads a file its policy
 * allows, is denied one it does not, and learn mode writes the least-privilege policy for it.
 * Everything runs through the real `writ` command in a throwaway directory.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const writ = fileURLToPath(new URL('../bin/writ.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'writ-demo-'));

function step(title: string): void {
  process.stdout.write(`\n\x1b[1m== ${title}\x1b[0m\n`);
}

function show(path: string, text: string): void {
  writeFileSync(path, text);
  process.stdout.write(`\x1b[2m${path}:\x1b[0m\n${text.trim()}\n`);
}

function writRun(args: string[]): number {
  process.stdout.write(`\x1b[2m$ writ ${args.join(' ')}\x1b[0m\n`);
  const res = spawnSync(process.execPath, [writ, ...args], { stdio: 'inherit' });
  process.stdout.write(`\x1b[2m(exit code ${res.status})\x1b[0m\n`);
  return res.status ?? -1;
}

try {
  step('1. A host with a report the script may read, and a secret it may not');
  writeFileSync(join(dir, 'report.txt'), 'disk ok\nload ok\n');
  writeFileSync(join(dir, 'secret.txt'), 'the launch codes\n');
  process.stdout.write(`${dir}/report.txt and ${dir}/secret.txt\n`);

  step('2. The Cedar policy (REX vocabulary): open the directory, open+read report.txt only');
  const policy = join(dir, 'policy.cedar');
  show(policy, `permit(principal, action == file_system::Action::"open", resource == file_system::Dir::"${dir}");
permit(principal, action in [file_system::Action::"open", file_system::Action::"read"], resource == file_system::File::"${dir}/report.txt");
`);

  step('3. The script');
  const script = join(dir, 'check.js');
  show(script, `const report = fs.read(args.dir + '/report.txt');
console.log('report says:', report.trim().split('\\n').join(', '));
try {
  fs.read(args.dir + '/secret.txt');
} catch (e) {
  log.warn(e.name + ': ' + e.action + ' on ' + e.resource);
}
({ lines: report.trim().split('\\n').length });
`);
  writeFileSync(join(dir, 'args.json'), JSON.stringify({ dir }));

  step('4. Run it: the allowed read works, the forbidden one is denied before the file is opened');
  writRun(['run', '--script', script, '--policy', policy, '--args', join(dir, 'args.json'), '--output', 'human']);

  step('5. A script that does not catch the denial ends with status denied (exit 3)');
  const greedy = join(dir, 'greedy.js');
  show(greedy, `fs.read(args.dir + '/secret.txt');\n`);
  writRun(['run', '--script', greedy, '--policy', policy, '--args', join(dir, 'args.json'), '--output', 'human']);

  step('6. Learn mode: run once, observe, print the least-privilege policy');
  const learned = join(dir, 'learned.cedar');
  writRun(['run', '--learn', '--learn-out', learned, '--script', script, '--args', join(dir, 'args.json'), '--output', 'human']);

  step('7. The learned policy validates against the schema');
  writRun(['policy', 'check', learned]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
