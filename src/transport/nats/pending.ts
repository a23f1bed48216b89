import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { messageOf, WritError } from '../../core/errors.js';
import { syncDirectory } from '../dir-drop/outbox.js';

/**
 * What the transport remembers about a writ it acked but has not finished publishing: enough for a
 * restarted agent to find the run in its store and publish the rest of its results.
 */
export interface PendingRecord {
  readonly runId: string;
  readonly resultSubject: string;
  /** The runs stream and the writ message's time there: a redelivery matches both, a reused sequence number does not. */
  readonly stream: string;
  readonly storedAt: string;
}

const RECORD_PATTERN = /^([1-9][0-9]{0,15})\.json$/;

function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

function isRecord(value: unknown): value is PendingRecord {
  const r = value as Partial<Record<keyof PendingRecord, unknown>> | null;
  return typeof r === 'object' && r !== null && [r.runId, r.resultSubject, r.stream, r.storedAt].every((v) => typeof v === 'string' && v.length > 0);
}

/** `<dir>/<streamSeq>.json`, each written whole (temp, fsync, rename, directory fsync) before the writ is acked. */
export class PendingRecords {
  constructor(readonly dir: string) {}

  /** Creates the directory 0700: records name runs, and a link could send them anywhere. */
  async prepare(): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const st = await lstat(this.dir);
      if (!st.isDirectory()) throw new Error('it is not a directory (or is a symbolic link)');
    } catch (err) {
      throw new WritError('CONFIG_INVALID', `nats stateDir ${this.dir}: ${messageOf(err)}`, { cause: err });
    }
  }

  async write(seq: number, record: PendingRecord): Promise<void> {
    const name = `${seq}.json`;
    const temp = join(this.dir, `.${name}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(temp, 'wx', 0o600);
    let written = false;
    try {
      await handle.writeFile(`${JSON.stringify(record)}\n`);
      await handle.sync();
      written = true;
    } finally {
      await handle.close();
      if (!written) await unlink(temp).catch(() => undefined);
    }
    await rename(temp, join(this.dir, name));
    // The ack that follows is only safe once the record's name itself survives a power cut.
    await syncDirectory(this.dir);
  }

  async read(seq: number): Promise<PendingRecord | null> {
    try {
      const parsed: unknown = JSON.parse(await readFile(join(this.dir, `${seq}.json`), 'utf8'));
      return isRecord(parsed) ? parsed : null;
    } catch (err) {
      if (errnoOf(err) === 'ENOENT' || err instanceof SyntaxError) return null;
      throw err;
    }
  }

  /** Every readable record; unreadable ones go to `onBad` and stay for the operator. */
  async list(onBad: (err: WritError) => void): Promise<{ seq: number; record: PendingRecord }[]> {
    const found: { seq: number; record: PendingRecord }[] = [];
    for (const name of (await readdir(this.dir)).sort()) {
      const match = RECORD_PATTERN.exec(name);
      if (!match) continue;
      const seq = Number(match[1]);
      const record = await this.read(seq);
      if (record) found.push({ seq, record });
      else onBad(new WritError('PENDING_RECORD_INVALID', `${join(this.dir, name)} is not a pending record this agent wrote; left as it is`));
    }
    return found.sort((a, b) => a.seq - b.seq);
  }

  /** Deletes the record, unless a later writ with the same sequence number (a recreated stream) replaced it. */
  async remove(seq: number, runId: string): Promise<void> {
    const current = await this.read(seq);
    if (current?.runId !== runId) return;
    try {
      await unlink(join(this.dir, `${seq}.json`));
    } catch (err) {
      if (errnoOf(err) !== 'ENOENT') throw err;
    }
  }
}
