/**
 * `npm run demo`: the main job end to end on embedded defaults. A script reads a file its policy
 * allows, is denied one it does not, and learn mode writes the least-privilege policy for it. Then
 * the owner seals it, the host verifies and runs the writ from a pipe, and refuses a replay and a
 * tampered copy. An agent takes a writ over HTTPS and streams its log; a control host pairs two
 * agents and fans a writ out to both with live output.
 * Everything runs through the real `writ` command in a throwaway directory.
 */
import { execFileSync, spawn } from 'node:child_process';
import { request } from 'node:https';
import { createInterface } from 'node:readline';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controlDemo } from './control-demo.js';
import { runWrit, show, step, writ } from './demo-output.js';

const dir = mkdtempSync(join(tmpdir(), 'writ-demo-'));
const writRun = (args: string[], stdinFile?: string): number => runWrit(dir, args, stdinFile);

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

  step('8. The owner makes a signing key and seals script, policy and arguments into one writ');
  const key = join(dir, 'owner.pem');
  writRun(['keygen', '--out', key]);
  const job = join(dir, 'check.writ');
  writRun(['seal', '--script', script, '--policy', policy, '--args', join(dir, 'args.json'), '--key', key, '--expires', '10m', '--out', job]);

  step('9. The host verifies it, then runs it from a pipe (as `ssh host writ run - --trust ...` would)');
  const trust = join(dir, 'owner.pub.pem');
  writRun(['verify', job, '--trust', trust]);
  writRun(['run', '-', '--trust', trust, '--output', 'human'], job);

  step('10. The same writ again is refused: REPLAYED (exit 4)');
  writRun(['run', job, '--trust', trust, '--output', 'human']);

  step('11. One changed byte in the bundle is refused before anything is unpacked: SIGNATURE_INVALID');
  const tampered = join(dir, 'tampered.writ');
  const bytes = readFileSync(job);
  bytes[40] = (bytes[40] ?? 0) ^ 1;
  writeFileSync(tampered, bytes);
  writRun(['run', tampered, '--trust', trust, '--output', 'human']);

  await agentDemo(key, trust);
  await controlDemo(dir, key, trust);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/** Starts `writ agent` on loopback with a test certificate, sends a writ over HTTPS, streams its log. */
async function agentDemo(key: string, trust: string): Promise<void> {
  step('12. An agent on this host: HTTPS on loopback, trusting the owner key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'agent.key'), '-out', join(dir, 'agent.crt'), '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  const config = join(dir, 'agent.yaml');
  show(config, `trust:\n  paths: [${trust}]\nstateDir: ${join(dir, 'agent-state')}\nruns:\n  concurrency: 1\nhttps:\n  listen: 127.0.0.1:0\n  cert: ${join(dir, 'agent.crt')}\n  key: ${join(dir, 'agent.key')}\n`);
  const agent = spawn(process.execPath, [writ, 'agent', '--config', config], { stdio: ['ignore', 'pipe', 'inherit'] });
  const address = await new Promise<string>((resolve) => {
    createInterface({ input: agent.stdout }).on('line', (line) => {
      const event = JSON.parse(line) as { event?: string; address?: string };
      process.stdout.write(`\x1b[2magent log: ${line}\x1b[0m\n`);
      if (event.event === 'transport.started' && event.address) resolve(event.address);
    });
  });
  try {
    step('13. Seal a writ that works for a while, POST it, and watch its log arrive live (server-sent events)');
    const ticker = join(dir, 'ticker.js');
    show(ticker, `for (let i = 1; i <= 5; i++) {\n  console.log('step ' + i + ' of 5');\n  const t = Date.now(); while (Date.now() - t < 300) {}\n}\n'all done';\n`);
    writeFileSync(join(dir, 'allow.cedar'), 'permit(principal, action, resource);\n');
    const job = join(dir, 'ticker.writ');
    writRun(['seal', '--script', ticker, '--policy', join(dir, 'allow.cedar'), '--key', key, '--out', job]);
    const ca = readFileSync(join(dir, 'agent.crt'));
    const posted = await call(`${address}/v1/runs`, ca, 'POST', readFileSync(job));
    const id = (JSON.parse(posted) as { run: { id: string } }).run.id;
    process.stdout.write(`POST ${address}/v1/runs -> run ${id}\nGET ${address}/v1/runs/${id}/events:\n`);
    const started = Date.now();
    await new Promise<void>((resolve) => {
      request(`${address}/v1/runs/${id}/events`, { ca }, (res) => {
        res.on('data', (chunk: Buffer) => {
          for (const line of chunk.toString().split('\n')) if (line.startsWith('data: ')) process.stdout.write(`  +${String(Date.now() - started).padStart(4)} ms  ${line.slice(6)}\n`);
        });
        res.on('end', resolve);
      }).end();
    });
  } finally {
    agent.kill('SIGTERM');
  }
}

function call(url: string, ca: Buffer, method: string, body?: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        resolve(text);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
