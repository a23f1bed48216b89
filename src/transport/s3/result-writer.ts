import type { RunView } from '../port.js';
import type { Bucket } from './bucket.js';
import { isResultName } from './inbox-scan.js';

/** The objects of one result, `<outboxPrefix><name>/<file>`; `size` is the commit marker, written last. */
export type ResultFile = 'run-id' | 'log' | 'run.json' | 'exit' | 'size';
const RESULT_FILES: ReadonlySet<string> = new Set<ResultFile>(['run-id', 'log', 'run.json', 'exit', 'size']);

/** The exit code of a refused writ, as `writ run`'s (rejected). */
export const REJECTED_EXIT_CODE = 4;
/** Written to `exit` for a final run that has no exit code (cancelled, interrupted). */
export const NO_EXIT_CODE = '-\n';
/** Run ids are UUIDs; anything else read back from a shared bucket is not worth asking the agent about. */
const RUN_ID_PATTERN = /^[A-Za-z0-9._:-]{1,200}$/;
const RUN_ID_READ_LIMIT = 1024;

/** Runs one write that must happen; the transport's version retries it while it runs. */
export type Persist = (what: string, step: () => Promise<void>) => Promise<void>;

/** For writes that may simply be done again on the next poll. */
export const tryOnce: Persist = (_what, step) => step();

export interface FinalResult {
  readonly log: Buffer;
  /** The final run view, or `{ run, error }` for a refusal. */
  readonly runJson: RunView | { readonly run: RunView | null; readonly error: { readonly code: string; readonly message: string } };
  /** The line for `exit`: an exit code, or `-` for a final run without one. */
  readonly exit: string;
}

export function exitLine(run: RunView): string {
  return run.exitCode === null ? NO_EXIT_CODE : `${run.exitCode}\n`;
}

/**
 * The outbox. While a run goes on, `log` is re-uploaded whole as it grows and `run-id` names the
 * run, so a restarted agent can finish the result; when the run is final, `log`, `run.json`, `exit`
 * and last `size` (the final log's length) are written, each only after the previous one was
 * acknowledged, so a reader that sees `size` finds the others complete.
 */
export class ResultWriter {
  constructor(
    private readonly bucket: Bucket,
    private readonly prefix: string,
  ) {}

  key(name: string, file: ResultFile): string {
    return `${this.prefix}${name}/${file}`;
  }

  /** Which result objects `name` has now. */
  async filesOf(name: string): Promise<ReadonlySet<ResultFile>> {
    const files = new Set<ResultFile>();
    const under = `${this.prefix}${name}/`;
    for await (const object of this.bucket.list(under, '/')) {
      const file = object.key.slice(under.length);
      if (object.key.startsWith(under) && isResultFile(file)) files.add(file);
    }
    return files;
  }

  /** Every result in the outbox with the objects it has: one listing, for recovery at start. */
  async scanAll(): Promise<Map<string, Set<ResultFile>>> {
    const results = new Map<string, Set<ResultFile>>();
    for await (const object of this.bucket.list(this.prefix)) {
      const [name, file, ...deeper] = object.key.slice(this.prefix.length).split('/');
      if (name === undefined || file === undefined || deeper.length > 0 || !isResultName(name) || !isResultFile(file)) continue;
      const files = results.get(name) ?? new Set<ResultFile>();
      files.add(file);
      results.set(name, files);
    }
    return results;
  }

  /** The run a result belongs to, or null when `run-id` is gone or holds no plausible run id. */
  async readRunId(name: string): Promise<string | null> {
    const read = await this.bucket.readCapped(this.key(name, 'run-id'), RUN_ID_READ_LIMIT);
    if (read.kind !== 'bytes') return null;
    const runId = read.bytes.toString('utf8').trim();
    return RUN_ID_PATTERN.test(runId) ? runId : null;
  }

  async writeRunId(name: string, runId: string): Promise<void> {
    await this.bucket.put(this.key(name, 'run-id'), `${runId}\n`, 'text/plain; charset=utf-8');
  }

  /** The whole log so far: readers poll it by byte range until `size` says how long it ends up. */
  async putLog(name: string, log: Buffer): Promise<void> {
    await this.bucket.put(this.key(name, 'log'), log, 'application/octet-stream');
  }

  async commit(name: string, result: FinalResult, persist: Persist): Promise<void> {
    await persist(`the log of ${name}`, () => this.putLog(name, result.log));
    await persist(`run.json of ${name}`, () => this.bucket.put(this.key(name, 'run.json'), `${JSON.stringify(result.runJson, null, 2)}\n`, 'application/json'));
    await persist(`the exit code of ${name}`, () => this.bucket.put(this.key(name, 'exit'), result.exit, 'text/plain; charset=utf-8'));
    // Only now, every write above acknowledged: `size` tells readers the result is complete.
    await persist(`the size of ${name}`, () => this.bucket.put(this.key(name, 'size'), `${result.log.length}\n`, 'text/plain; charset=utf-8'));
  }

  url(name: string): string {
    return this.bucket.url(`${this.prefix}${name}/`);
  }
}

function isResultFile(file: string): file is ResultFile {
  return RESULT_FILES.has(file);
}
