import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { RunStoreError } from '../errors.js';
import type { NewRun } from '../run-record.js';
import { SqliteRunStore } from '../sqlite-run-store.js';

/** A fresh temp directory, removed when the test ends. */
export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'writ-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** A store on a real file in a fresh temp directory, closed when the test ends. */
export function openTemp(t: TestContext): SqliteRunStore {
  const store = SqliteRunStore.open(join(tempDir(t), 'state', 'runs.db'));
  t.after(() => {
    store.close();
  });
  return store;
}

export function newRun(id: string, transport = 'https'): NewRun {
  return { id, writId: `writ-${id}`, digest: 'sha256:00', signer: 'SHA256:abc', transport };
}

/** `assert.throws` validator: a RunStoreError with this code (codes are the contract, messages are not). */
export function storeCode(expected: string): (err: unknown) => boolean {
  return (err) => err instanceof RunStoreError && err.code === expected;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
