import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { monotonicMs } from '../../../core/clock.js';
import { OperationBudget } from '../../budget.js';
import { createFsModule, FS_FUNCTIONS, FS_PRELUDE } from './index.js';
import { errorOf, harness, RecordingGate } from './test-harness.js';

describe('fs module surface', () => {
  it('exposes exactly the host functions; the catalog lists them plus the prelude helpers', () => {
    const h = harness();
    try {
      const hostNames = Object.keys(h.fs).sort();
      assert.deepEqual(hostNames, ['chmod', 'cp', 'glob', 'ls', 'mkdir', 'mv', 'read', 'readBytes', 'rm', 'stat', 'write']);
      assert.ok(Object.isFrozen(h.fs));
      const catalog = FS_FUNCTIONS.map((f) => f.name).sort();
      assert.deepEqual(catalog, [...hostNames, 'grep', 'tail', 'wc'].map((n) => `fs.${n}`).sort());
      for (const f of FS_FUNCTIONS) {
        assert.ok(f.signature.startsWith(`${f.name}(`), f.signature);
        assert.ok(f.actions.length > 0);
        for (const a of f.actions) assert.match(a, /^file_system::Action::"[a-z_]+" on (File|Dir)/);
      }
      for (const helper of ['grep', 'tail', 'wc']) assert.ok(FS_PRELUDE.includes(`function ${helper}(`));
    } finally {
      h.cleanup();
    }
  });

  it('a passed deadline stops host work with LimitExceeded TIMEOUT', () => {
    const h = harness();
    try {
      writeFileSync(`${h.dir}/f`, 'x');
      const ctx = { ...h.ctx, deadline: monotonicMs() - 1 };
      const fs = createFsModule(ctx);
      assert.equal(errorOf(() => fs['read']?.(`${h.dir}/f`)).code, 'TIMEOUT');
    } finally {
      h.cleanup();
    }
  });

  it('the operation budget is spent before any request: an exhausted budget asks nothing', () => {
    const gate = new RecordingGate();
    const budget = new OperationBudget(0);
    const fs = createFsModule({ gate, budget, user: { username: 'u', uid: 1, groupname: 'g', gid: 1 }, deadline: monotonicMs() + 1e6, maxReadBytes: 10 });
    assert.equal(errorOf(() => fs['read']?.('/etc/hostname')).code, 'OPS_LIMIT');
    assert.deepEqual(gate.log, []);
  });

  it('cp -r spends one operation per entry', () => {
    const h = harness();
    try {
      h.fs.mkdir(`${h.dir}/t/a`, { recursive: true });
      h.fs.write(`${h.dir}/t/a/f`, '1');
      h.fs.write(`${h.dir}/t/g`, '2');
      const before = h.budget.used;
      h.fs.cp(`${h.dir}/t`, `${h.dir}/u`, { recursive: true });
      assert.equal(h.budget.used - before, 1 + 3);
    } finally {
      h.cleanup();
    }
  });
});
