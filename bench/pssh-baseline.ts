/**
 * The fleet fan-out's baseline: `parallel-ssh -p N -t 120 true` over N lines `127.0.0.1:PORT` to a
 * private sshd, every connection new (that is how parallel-ssh works). Skipped, with the reason,
 * when parallel-ssh or sshd is missing.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FanOutResult } from './fleet-result.js';
import { startPrivateSshd, type PrivateSshd } from './sshd.js';
import { median } from './stats.js';

export interface PsshBaseline {
  /** Null when the baseline is skipped; then `skipped` says why. */
  readonly sshd: PrivateSshd | null;
  readonly skipped: string | null;
  /** Start-up of parallel-ssh alone (`--version`), part of each of its wall times. */
  readonly startupMs: number | null;
}

export function psshAvailability(): string | null {
  if (spawnSync('sh', ['-c', 'command -v parallel-ssh'], { encoding: 'utf8' }).status !== 0) return 'parallel-ssh not installed (Debian: apt-get install pssh)';
  return null;
}

/** Starts the private sshd under `dir` and times parallel-ssh's own start-up, or says why not. */
export function startPsshBaseline(dir: string): PsshBaseline {
  let skipped = psshAvailability();
  let sshd: PrivateSshd | null = null;
  if (skipped === null) {
    // The default MaxStartups 10:30:100 starts refusing unauthenticated connections beyond 10 and
    // would make ssh look worse than it is.
    sshd = startPrivateSshd(join(dir, 'sshd'), { extraConfig: ['MaxStartups 1000', 'MaxSessions 1000'] });
    if (sshd === null) skipped = 'no sshd (Debian: apt-get install openssh-server)';
  }
  let startupMs: number | null = null;
  if (sshd !== null) {
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      spawnSync('parallel-ssh', ['--version']);
      times.push(performance.now() - t0);
    }
    startupMs = median(times);
  }
  return { sshd, skipped, startupMs };
}

/** One parallel-ssh run of `true` on `size` new connections to the private sshd. */
export function pssh(sshd: PrivateSshd, dir: string, size: number): FanOutResult {
  const hostsFile = join(dir, `pssh-hosts-${size}`);
  writeFileSync(hostsFile, `${Array.from({ length: size }, () => `127.0.0.1:${sshd.port}`).join('\n')}\n`);
  const t0 = performance.now();
  const r = spawnSync('parallel-ssh', ['-h', hostsFile, '-p', String(size), '-t', '120', '-x', sshd.clientOptions.join(' '), 'true'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - t0;
  const successes = (r.stdout.match(/\[SUCCESS\]/g) ?? []).length;
  if (r.status === 0 && successes === size) return { ms, ok: true, error: null };
  const firstFailure = r.stdout.split('\n').find((l) => l.includes('[FAILURE]')) ?? r.stderr.trim();
  return { ms, ok: false, error: `parallel-ssh exit ${String(r.status)}, ${successes}/${size} succeeded: ${firstFailure.slice(0, 200)}` };
}
