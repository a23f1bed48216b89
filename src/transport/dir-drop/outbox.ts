import { randomBytes } from 'node:crypto';
import { lstat, open, readFile, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunView } from '../port.js';

/** Results may hold a script's output: readable by the agent's user only (the outbox itself is 0700). */
const FILE_MODE = 0o600;
/** Result ids are file name stems: portable characters only, short enough for every suffix below. */
const ID_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/;
const TEMP_PATTERN = /^\..+\.[0-9a-f]{12}\.tmp$/;
const PENDING_PATTERN = /^\.(.+)\.pending$/;
const STALE_TEMP_MS = 3_600_000;

/** The exit code of a refused writ, as `writ run`'s (rejected). */
export const REJECTED_EXIT = '4\n';
/** Written to `<id>.exit` for a final run that has no exit code (cancelled, interrupted). */
export const NO_EXIT_CODE = '-\n';

export interface Refusal {
  readonly code: string;
  readonly message: string;
}

export function isResultId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** `errno` codes that mean "this filesystem cannot fsync a directory", not "the data is at risk". */
const NO_DIR_SYNC = new Set(['EINVAL', 'ENOTSUP', 'EISDIR', 'EPERM', 'EBADF', 'EACCES']);

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

async function unlinkIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (err) {
    if (errnoOf(err) !== 'ENOENT') throw err;
  }
}

/** fsync a directory so the renames in it survive a power cut (where the filesystem supports it). */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
  } catch (err) {
    if (NO_DIR_SYNC.has(errnoOf(err) ?? '')) return;
    throw err;
  }
  try {
    await handle.sync();
  } catch (err) {
    if (!NO_DIR_SYNC.has(errnoOf(err) ?? '')) throw err;
  } finally {
    await handle.close();
  }
}

/**
 * The outbox: per result id, `<id>.log`, `<id>.json` and `<id>.exit`, the last written last as the
 * commit marker. Every file appears by rename from a hidden temp name after an fsync, so a reader
 * that waits for `<id>.exit` always finds the other two complete. While a run is going its output
 * grows in `<id>.log.partial`, and a hidden `.<id>.pending` names the run, so a restarted agent can
 * finish the result of a run it was following when it died.
 */
export class Outbox {
  constructor(readonly dir: string) {}

  path(id: string, suffix: 'log' | 'json' | 'exit' | 'log.partial'): string {
    return join(this.dir, `${id}.${suffix}`);
  }

  /** Writes `name` so no reader sees it half-written: hidden temp, fsync, rename (sync the dir to make it durable). */
  async writeFile(name: string, data: string | Uint8Array): Promise<void> {
    const temp = join(this.dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(temp, 'wx', FILE_MODE);
    let written = false;
    try {
      await handle.writeFile(data);
      await handle.sync();
      written = true;
    } finally {
      await handle.close();
      if (!written) await unlinkIfPresent(temp);
    }
    await rename(temp, join(this.dir, name));
  }

  /** Removes an earlier result under `id`, commit marker first, so old and new are never mixed. */
  async clear(id: string): Promise<void> {
    for (const suffix of ['exit', 'json', 'log', 'log.partial'] as const) await unlinkIfPresent(this.path(id, suffix));
  }

  async hasExit(id: string): Promise<boolean> {
    try {
      await lstat(this.path(id, 'exit'));
      return true;
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return false;
      throw err;
    }
  }

  /** A refused writ: `{ run, error }`, an empty log, then exit 4. */
  async writeRefusal(id: string, run: RunView | null, error: Refusal): Promise<void> {
    await this.clear(id);
    await this.writeFile(`${id}.json`, `${JSON.stringify({ run, error }, null, 2)}\n`);
    await this.writeFile(`${id}.log`, '');
    await this.commit(id, REJECTED_EXIT);
  }

  /** `<id>.log` and `<id>.json` are in place: make them durable, then write the commit marker. */
  async commit(id: string, exit: string): Promise<void> {
    await syncDirectory(this.dir);
    await this.writeFile(`${id}.exit`, exit);
    await syncDirectory(this.dir);
  }

  async markPending(id: string, runId: string): Promise<void> {
    await this.writeFile(`.${id}.pending`, `${JSON.stringify({ run: runId })}\n`);
    await syncDirectory(this.dir);
  }

  async clearPending(id: string): Promise<void> {
    await unlinkIfPresent(join(this.dir, `.${id}.pending`));
  }

  /** Results a previous agent was still following; temp files a crash left behind over an hour ago are removed. */
  async recover(): Promise<{ id: string; runId: string }[]> {
    const found: { id: string; runId: string }[] = [];
    for (const name of await readdir(this.dir)) {
      if (TEMP_PATTERN.test(name)) {
        // Only old ones: another agent sharing this outbox may be writing a young one right now.
        const st = await lstat(join(this.dir, name)).catch(() => null);
        if (st && Date.now() - st.mtimeMs > STALE_TEMP_MS) await unlinkIfPresent(join(this.dir, name));
        continue;
      }
      const id = PENDING_PATTERN.exec(name)?.[1];
      if (id === undefined || !isResultId(id)) continue;
      let runId: unknown;
      try {
        runId = (JSON.parse(await readFile(join(this.dir, name), 'utf8')) as { run?: unknown }).run;
      } catch {
        runId = undefined;
      }
      if (typeof runId === 'string' && runId.length > 0) found.push({ id, runId });
      else await this.clearPending(id);
    }
    return found;
  }
}
