import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TrustConfigError } from './errors.js';

/** Remembers which writs already ran, so a captured writ cannot be run again. */
export interface ReplayStore {
  /** Records `key` until `expiresAt` (null: forever). True if it was new, false if already recorded. */
  claim(key: string, expiresAt: Date | null, now: Date): boolean;
  /** True if `key` is recorded and not expired; records nothing (for `writ verify`). */
  seen(key: string, now: Date): boolean;
}

interface Entry {
  readonly key: string;
  readonly expiresAt: string | null;
}

const isErrno = (err: unknown, code: string): boolean => (err as NodeJS.ErrnoException | null)?.code === code;

/**
 * One file per claimed key, named by the key's SHA-256 and sharded by its first byte. A claim is a
 * hard link of a fully written and fsynced temp file onto that name: link() fails if the name
 * exists, so two processes racing on the same writ cannot both win, and a crash leaves either a
 * complete entry or none. Claims happen before the run starts: at most once, even across crashes.
 */
export class DirectoryReplayStore implements ReplayStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
    try {
      // 0700: the store says which writs ran; other local users need not read or forge that.
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new TrustConfigError('REPLAY_STORE_UNUSABLE', `${dir}: cannot create the replay store: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }

  claim(key: string, expiresAt: Date | null, now: Date): boolean {
    const { shard, path } = this.locate(key);
    mkdirSync(shard, { recursive: true, mode: 0o700 });
    this.pruneShard(shard, now);
    const tmp = join(shard, `.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
    const entry: Entry = { key, expiresAt: expiresAt?.toISOString() ?? null };
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeFileSync(fd, JSON.stringify(entry));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          linkSync(tmp, path);
          syncDir(shard);
          return true;
        } catch (err) {
          if (!isErrno(err, 'EEXIST')) throw err;
          // Present and still live: a replay. Present but expired: drop it and try once more.
          if (this.live(path, now)) return false;
          unlinkQuietly(path);
        }
      }
      return false;
    } finally {
      unlinkQuietly(tmp);
    }
  }

  seen(key: string, now: Date): boolean {
    return this.live(this.locate(key).path, now);
  }

  /** Removes every expired entry; the agent calls this periodically, claims prune their own shard. */
  prune(now: Date): number {
    let removed = 0;
    for (const name of readdirSync(this.dir)) if (/^[0-9a-f]{2}$/.test(name)) removed += this.pruneShard(join(this.dir, name), now);
    return removed;
  }

  private locate(key: string): { shard: string; path: string } {
    const digest = createHash('sha256').update(key).digest('hex');
    const shard = join(this.dir, digest.slice(0, 2));
    return { shard, path: join(shard, digest) };
  }

  private live(path: string, now: Date): boolean {
    let entry: Entry;
    try {
      entry = JSON.parse(readFileSync(path, 'utf8')) as Entry;
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return false;
      // An unreadable or damaged entry counts as seen: fail closed rather than allow a re-run.
      return true;
    }
    return entry.expiresAt === null || !(new Date(entry.expiresAt).getTime() < now.getTime());
  }

  private pruneShard(shard: string, now: Date): number {
    let removed = 0;
    let names: string[];
    try {
      names = readdirSync(shard);
    } catch {
      return 0;
    }
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const path = join(shard, name);
      if (!this.live(path, now)) {
        unlinkQuietly(path);
        removed++;
      }
    }
    return removed;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/** fsync the directory so the new name itself survives a power cut, not only the file's bytes. */
function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
