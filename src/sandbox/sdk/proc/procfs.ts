import { readdirSync, readFileSync } from 'node:fs';

/** What the SDK knows of a process, read from /proc; `name`, `username`, `command` are REX's attributes. */
export interface ProcessInfo {
  readonly pid: number;
  readonly name: string;
  readonly username: string;
  readonly command: string;
  /** Start time in clock ticks since boot (stat field 22): tells a process from a later one reusing its pid. */
  readonly startTicks: string;
}

/** Numeric entries of /proc, ascending. */
export function listPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^[1-9][0-9]*$/.test(name))
    .map(Number)
    .sort((a, b) => a - b);
}

/**
 * Reads one process; undefined if it vanished (or is unreadable) meanwhile. `command` is argv joined
 * with spaces (empty for kernel threads); `username` is the REAL uid's name, the uid the kernel's
 * kill permission and ps's RUSER use.
 */
export function readProcess(pid: number, userName: (uid: number) => string): ProcessInfo | undefined {
  try {
    const base = `/proc/${pid}`;
    const name = readFileSync(`${base}/comm`, 'utf8').replace(/\n$/, '');
    const status = readFileSync(`${base}/status`, 'utf8');
    const uidLine = /^Uid:\s+(\d+)/m.exec(status);
    if (uidLine?.[1] === undefined) return undefined;
    const argv = readFileSync(`${base}/cmdline`, 'utf8').split('\0');
    if (argv.at(-1) === '') argv.pop();
    const startTicks = readStartTicks(pid);
    if (startTicks === undefined) return undefined;
    return { pid, name, username: userName(Number(uidLine[1])), command: argv.join(' '), startTicks };
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat; parsed after the last ')' because comm may contain spaces and parentheses. */
export function readStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19];
  } catch {
    return undefined;
  }
}
