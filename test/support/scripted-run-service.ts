/**
 * A small, real RunService for transport tests (no agent, no sandbox): it accepts bytes starting
 * with "ok" and refuses the rest as SIGNATURE_INVALID. An accepted run stores FIRST_LINE before the
 * transport can subscribe (so transports must catch up from offset 0), then plays three lines and
 * finishes `succeeded`/0; "okhang" never finishes, "okcancel" ends `cancelled` with no exit code.
 * `full = true` refuses for capacity (QUEUE_FULL, no run), as a busy agent does.
 */
import assert from 'node:assert/strict';
import type { LogSlice, RunEvent, RunService, RunStateName, RunView, Submission, SubmitResult } from '../../src/transport/index.js';

export const FIRST_LINE = 'stored before anyone watched: é\n';
export const PLAYED = `${FIRST_LINE}line 0 ✓\nline 1 ✓\nline 2 ✓\n`;

interface StoredRun {
  view: RunView;
  log: Buffer;
}

export class ScriptedRunService implements RunService {
  readonly submitted: Buffer[] = [];
  full = false;
  private readonly runs = new Map<string, StoredRun>();
  private readonly listeners = new Map<string, Set<(event: RunEvent) => void>>();
  private next = 0;

  /** `via`: the transport name every submission must come through. */
  constructor(private readonly via: string) {}

  submit(submission: Submission, via: string): Promise<SubmitResult> {
    assert.equal(submission.kind, 'writ');
    assert.equal(via, this.via);
    const bytes = Buffer.from(submission.kind === 'writ' ? submission.bytes : new Uint8Array());
    this.submitted.push(bytes);
    if (this.full) return Promise.resolve({ accepted: false, run: null, error: { code: 'QUEUE_FULL', message: 'come back later' } });
    const id = `run-${++this.next}`;
    if (bytes.subarray(0, 2).toString() !== 'ok') {
      const error = { code: 'SIGNATURE_INVALID', message: 'the seal does not match' };
      const run = this.seed(id, '', 'rejected', 4, error);
      return Promise.resolve({ accepted: false, run, error });
    }
    const run = this.seed(id, '', 'running', null);
    // Output stored before the transport subscribes: it must be caught up from offset 0.
    this.append(id, FIRST_LINE);
    const script = bytes.subarray(2).toString().trim();
    if (script !== 'hang') this.play(id, script === 'cancel' ? 'cancelled' : 'succeeded');
    return Promise.resolve({ accepted: true, run });
  }

  /** A run as the store would hold it (also: what a restarted agent finds after a crash). */
  seed(id: string, log: string, state: RunStateName, exitCode: number | null, error: RunView['error'] = null): RunView {
    const done = state !== 'running' && state !== 'queued';
    const now = new Date().toISOString();
    const view: RunView = { id, writId: null, signer: null, transport: this.via, state, done, exitCode, error, report: null, createdAt: now, startedAt: now, finishedAt: done ? now : null, outputBytes: Buffer.byteLength(log) };
    this.runs.set(id, { view, log: Buffer.from(log) });
    return view;
  }

  append(id: string, text: string): void {
    const run = this.runs.get(id)!;
    const offset = run.log.length;
    run.log = Buffer.concat([run.log, Buffer.from(text)]);
    run.view = { ...run.view, outputBytes: run.log.length };
    this.emit(id, { type: 'output', stream: 'stdout', offset, text });
  }

  finish(id: string, state: RunStateName, exitCode: number | null): void {
    const run = this.runs.get(id)!;
    run.view = { ...run.view, state, done: true, exitCode, finishedAt: new Date().toISOString() };
    this.emit(id, { type: 'finished', run: run.view });
    this.listeners.delete(id);
  }

  get(id: string): RunView | null {
    return this.runs.get(id)?.view ?? null;
  }

  readLog(id: string, offset: number, maxBytes: number): LogSlice | null {
    const run = this.runs.get(id);
    if (!run) return null;
    const bytes = run.log.subarray(offset, offset + maxBytes);
    return { bytes, offset, nextOffset: offset + bytes.length, done: run.view.done && offset + bytes.length >= run.log.length };
  }

  watch(id: string, listener: (event: RunEvent) => void): () => void {
    const set = this.listeners.get(id) ?? new Set();
    this.listeners.set(id, set);
    set.add(listener);
    return () => set.delete(listener);
  }

  cancel(): 'not-found' {
    return 'not-found';
  }

  metrics(): Promise<string> {
    return Promise.resolve('');
  }

  private emit(id: string, event: RunEvent): void {
    for (const listener of [...(this.listeners.get(id) ?? [])]) listener(event);
  }

  private play(id: string, end: 'succeeded' | 'cancelled'): void {
    let line = 0;
    const tick = (): void => {
      if (line < 3) {
        this.append(id, `line ${line++} ✓\n`);
        setTimeout(tick, 5);
      } else {
        this.finish(id, end, end === 'succeeded' ? 0 : null);
      }
    };
    setTimeout(tick, 5);
  }
}
