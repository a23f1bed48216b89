/**
 * A private sshd on a loopback port with throwaway host and user keys, for the ssh baselines
 * (agent-latency, fleet-fanout). Null when /usr/sbin/sshd (Debian: openssh-server) is missing or
 * cannot start, so a bench reports its baseline as skipped instead of failing.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface PrivateSshd {
  readonly port: number;
  /** The user's private key (its public half is the only authorized key). */
  readonly userKey: string;
  /** Client options for this server: the key, no known_hosts, never a prompt. */
  readonly clientOptions: readonly string[];
  /** `ssh` arguments that run `command` on this server. */
  sshArgs(command: string): string[];
  stop(): void;
}

export interface SshdOptions {
  /** Extra sshd_config lines, e.g. `MaxStartups 200` for many simultaneous connections. */
  readonly extraConfig?: readonly string[];
}

export function startPrivateSshd(dir: string, options: SshdOptions = {}): PrivateSshd | null {
  if (!existsSync('/usr/sbin/sshd')) return null;
  try {
    // sshd refuses to start without its privilege-separation directory (systemd normally makes it).
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  } catch {
    return null;
  }
  mkdirSync(dir, { recursive: true });
  const hostKey = join(dir, 'host_ed25519');
  const userKey = join(dir, 'user_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', userKey]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${userKey}.pub`));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const config = join(dir, 'sshd_config');
  const lines = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${hostKey}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PasswordAuthentication no',
    'StrictModes no',
    `PidFile ${join(dir, 'sshd.pid')}`,
    'UsePAM no',
    ...(options.extraConfig ?? []),
  ];
  writeFileSync(config, `${lines.join('\n')}\n`);
  const child: ChildProcess = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: 'ignore' });
  const clientOptions = ['-i', userKey, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR'];
  const sshArgs = (command: string): string[] => ['-q', '-p', String(port), ...clientOptions, '127.0.0.1', command];
  // Up to 5 s for the server to listen.
  let up = false;
  for (let i = 0; i < 50 && !up; i++) {
    up = spawnSync('ssh', sshArgs('true')).status === 0;
    if (!up) spawnSync('sleep', ['0.1']);
  }
  if (!up) {
    child.kill();
    return null;
  }
  return { port, userKey, clientOptions, sshArgs, stop: () => child.kill() };
}
