import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { runWrit, show, step, writ } from './demo-output.js';

/** Starts a long-running `writ` command; resolves with it and the first JSON line that matches. */
function startWrit(args: string[], until: (line: Record<string, unknown>) => boolean, label: string): Promise<{ child: ChildProcess; line: Record<string, unknown> }> {
  const child = spawn(process.execPath, [writ, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      reject(new Error(`writ ${args[0] ?? ''} ${args[1] ?? ''} exited ${code ?? '?'} early`));
    });
    createInterface({ input: child.stdout }).on('line', (text) => {
      process.stdout.write(`\x1b[2m${label}: ${text}\x1b[0m\n`);
      try {
        const line = JSON.parse(text) as Record<string, unknown>;
        if (until(line)) resolve({ child, line });
      } catch {
        // Not a JSON line: shown above, nothing to wait for.
      }
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

function openPairing(url: string, caDir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ enabled: true, minutes: 5 });
    const req = request(new URL('/v1/pairing/mode', url), { method: 'POST', ca: readFileSync(join(caDir, 'ca.pem')), headers: { authorization: `Bearer ${readFileSync(join(caDir, 'api.token'), 'utf8').trim()}`, 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => {
        resolve();
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs a `writ` command, shows it, and returns its stdout (for a value the next command needs). */
function captureWrit(args: string[]): string {
  process.stdout.write(`\x1b[2m$ writ ${args.join(' ')}\x1b[0m\n`);
  const out = execFileSync(process.execPath, [writ, ...args], { encoding: 'utf8' });
  process.stdout.write(out);
  return out;
}

/** A control host on loopback pairs two agents, then fans one writ out to both with live output. */
export async function controlDemo(dir: string, key: string, trust: string): Promise<void> {
  const children: ChildProcess[] = [];
  try {
    step('14. A control host: its own CA, then its server (pairing and the operator API) on loopback');
    const caDir = join(dir, 'control');
    runWrit(dir, ['control', 'init', '--dir', caDir]);
    const serve = await startWrit(['control', 'serve', '--dir', caDir, '--listen', '127.0.0.1:0'], (l) => l.event === 'control.started', 'control log');
    children.push(serve.child);
    const url = String(serve.line.address);
    await openPairing(url, caDir);

    step('15. Two agents ask to pair; each shows a code the control host shows too, and the operator approves it');
    for (const name of ['web1', 'web2']) {
      const port = await freePort();
      const out = join(dir, name);
      const asking = await startWrit(['agent', 'request-pairing', '--control', new URL(url).host, '--name', name, '--address', `127.0.0.1:${port}`, '--tags', 'web', '--out', out, '--json'], (l) => l.event === 'pairing.code', `${name} pairing`);
      runWrit(dir, ['control', 'approve', String(asking.line.code), '--dir', caDir]);
      await new Promise((resolve) => asking.child.once('exit', resolve));
      const config = join(out, 'agent.yaml');
      show(config, `host:\n  name: ${name}\ntrust:\n  paths: [${trust}]\nstateDir: ${join(out, 'state')}\nhttps:\n  listen: 127.0.0.1:${port}\n  cert: ${join(out, 'agent.crt')}\n  key: ${join(out, 'agent.key')}\n  clientCa: ${join(out, 'control-ca.pem')}   # only the control host may call\n`);
      const agent = await startWrit(['agent', '--config', config], (l) => l.event === 'transport.started', `${name} log`);
      children.push(agent.child);
    }

    step('16. The fleet: writ hosts, then writ ping over mutual TLS');
    runWrit(dir, ['hosts', '--dir', caDir]);
    runWrit(dir, ['ping', 'tag:web', '--dir', caDir]);

    step('17. One writ to every web host through the control host: live output from both, then a table');
    const script = join(dir, 'fleet.js');
    writeFileSync(script, "for (let i = 1; i <= 3; i++) { console.log('tick ' + i); const t = Date.now(); while (Date.now() - t < 200) {} }\n'done';\n");
    const job = join(dir, 'fleet.writ');
    runWrit(dir, ['seal', '--script', script, '--policy', join(dir, 'allow.cedar'), '--key', key, '--out', job]);
    runWrit(dir, ['send', 'tag:web', job, '--dir', caDir]);

    step('18. One program, no shell: writ exec builds, seals and sends a writ allowing exactly /usr/bin/uname');
    runWrit(dir, ['exec', 'tag:web', '--dir', caDir, '--key', key, '--', '/usr/bin/uname', '-s']);

    step('19. Detached: send returns a run id at once; writ status and writ logs -f find the run on the control host');
    // A writ runs once per host (replays are refused), so the detached run gets a newly sealed one.
    const job2 = join(dir, 'fleet-2.writ');
    runWrit(dir, ['seal', '--script', script, '--policy', join(dir, 'allow.cedar'), '--key', key, '--out', job2]);
    const detached = captureWrit(['send', 'tag:web', job2, '--dir', caDir, '--detach', '--json']);
    const runId = String((JSON.parse(detached) as { run?: unknown }).run);
    runWrit(dir, ['logs', '-f', runId, '--dir', caDir]);
    runWrit(dir, ['status', runId, '--dir', caDir]);

    step('20. Certificates: renew web1\'s over its live connection, rotate the control host\'s own, revoke web2');
    runWrit(dir, ['control', 'renew', 'web1', '--dir', caDir]);
    runWrit(dir, ['control', 'rotate-cert', '--dir', caDir]);
    runWrit(dir, ['control', 'revoke', 'web2', '--dir', caDir]);
    runWrit(dir, ['ping', 'web1', '--dir', caDir]);
    runWrit(dir, ['hosts', '--dir', caDir]);
  } finally {
    for (const child of children.reverse()) child.kill('SIGTERM');
  }
}
