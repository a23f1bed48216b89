import assert from 'node:assert/strict';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { WritError } from '../../../core/errors.js';
import { denyUnder, errorOf, harness } from './test-harness.js';

/**
 * A parallel thread that flips `link` between two targets as fast as it can. Each flip is atomic
 * (symlink to a temporary name, then rename over the link), so the link always exists and only its
 * target changes: exactly the window a check-then-open implementation loses.
 */
const FLIPPER = `
const { workerData, parentPort } = require('node:worker_threads');
const { symlinkSync, renameSync } = require('node:fs');
const stop = new Int32Array(workerData.stop);
const { link, targets } = workerData;
let flips = 0;
const tmp = link + '.tmp';
while (Atomics.load(stop, 0) === 0) {
  symlinkSync(targets[flips % 2], tmp);
  renameSync(tmp, link);
  flips++;
  if (flips === 1) parentPort.postMessage('ready');
}
parentPort.postMessage(flips);
`;

/** The value a call returned, or the code of the WritError it threw. */
function outcome(fn: () => unknown): { value?: unknown; code: string } {
  try {
    return { value: fn(), code: 'NO_ERROR' };
  } catch (err) {
    return { code: err instanceof WritError ? err.code : `UNEXPECTED: ${String(err)}` };
  }
}

interface Flipper {
  ready: Promise<void>;
  stop(): Promise<number>;
}

function startFlipper(link: string, targets: [string, string]): Flipper {
  const stop = new SharedArrayBuffer(4);
  const worker = new Worker(FLIPPER, { eval: true, workerData: { stop, link, targets } });
  let flips = 0;
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => { onReady = resolve; });
  const done = new Promise<void>((resolve, reject) => {
    worker.on('message', (m: unknown) => {
      if (m === 'ready') onReady();
      else if (typeof m === 'number') flips = m;
    });
    worker.on('error', reject);
    worker.on('exit', () => { resolve(); });
  });
  return {
    ready,
    stop: async () => {
      Atomics.store(new Int32Array(stop), 0, 1);
      await done;
      return flips;
    },
  };
}

describe('symlink swap race', () => {
  const h = harness();
  after(() => { h.cleanup(); });
  const secret = `${h.dir}/secret`;
  mkdirSync(secret);
  h.gate.rule = denyUnder(secret);

  it('fs.read never returns forbidden content while a thread flips the link (10,000 reads)', async () => {
    const allowed = `${h.dir}/allowed.txt`;
    const forbidden = `${secret}/forbidden.txt`;
    writeFileSync(allowed, 'ALLOWED');
    writeFileSync(forbidden, 'FORBIDDEN');
    const link = `${h.dir}/link`;
    symlinkSync(allowed, link);
    const flipper = startFlipper(link, [forbidden, allowed]);
    await flipper.ready;
    let allowedReads = 0;
    let denials = 0;
    let leaks = 0;
    const other: string[] = [];
    try {
      for (let i = 0; i < 10_000; i++) {
        const r = outcome(() => h.fs.read(link));
        if (r.value === 'FORBIDDEN') leaks++;
        else if (r.value === 'ALLOWED') allowedReads++;
        else if (r.code === 'ACCESS_DENIED') denials++;
        else other.push(r.code);
      }
    } finally {
      const flips = await flipper.stop();
      assert.ok(flips > 100, `the flipper ran (${flips} flips)`);
    }
    assert.equal(leaks, 0, 'forbidden content was returned');
    assert.deepEqual(other, []);
    // Both outcomes happened, so the race really was exercised.
    assert.ok(allowedReads > 0 && denials > 0, `allowed=${allowedReads} denied=${denials}`);
  });

  it('fs.write never lands in a forbidden directory while a thread flips the parent symlink', async () => {
    const pub = `${h.dir}/pub`;
    mkdirSync(pub);
    const out = `${h.dir}/out`;
    symlinkSync(pub, out);
    const flipper = startFlipper(out, [secret, pub]);
    await flipper.ready;
    let written = 0;
    let deniedCount = 0;
    try {
      for (let i = 0; i < 2_000; i++) {
        const info = errorOf(() => h.fs.write(`${out}/f.txt`, `n${i}`));
        if (info.code === 'NO_ERROR') written++;
        else if (info.code === 'ACCESS_DENIED') deniedCount++;
        else assert.fail(`unexpected ${info.code}`);
      }
    } finally {
      await flipper.stop();
    }
    assert.equal(existsSync(`${secret}/f.txt`), false);
    assert.ok(written > 0 && deniedCount > 0, `written=${written} denied=${deniedCount}`);
  });
});
