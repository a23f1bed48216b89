import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, test } from 'node:test';
import { hasCode } from '../../../core/errors.js';
import { AccessDeniedError } from '../../errors.js';
import type { HostFunction } from '../../host-api.js';
import { allowAction, RecordingGate, testContext, type Rule } from '../testing/recording-gate.js';
import { createSysModule } from './index.js';

const LIST = 'sysinfo::Action::"list"';
const SYSINFO = 'sysinfo::Sysinfo::"sysinfo"';
const UNAME = 'sysinfo::Uname::"uname"';

function setup(rules: Rule[], options: Parameters<typeof testContext>[1] = {}) {
  const gate = new RecordingGate(rules);
  const ctx = testContext(gate, options);
  const mod = createSysModule(ctx);
  return { gate, ctx, info: mod.info as HostFunction, hostname: mod.hostname as HostFunction, df: mod.df as HostFunction };
}

function denied(resource: string): (err: unknown) => boolean {
  return (err) => err instanceof AccessDeniedError && err.action === LIST && err.resource === resource;
}

describe('sys.info', () => {
  test('allowed: host facts; asks list on Sysinfo', () => {
    const { gate, info } = setup([allowAction(LIST, 'sysinfo')]);
    const res = info() as { hostname: string; os: string; kernel: string; uptimeS: number; cpus: number; memory: { totalBytes: number; freeBytes: number } };
    assert.equal(res.hostname, os.hostname());
    assert.equal(res.kernel, os.release());
    assert.ok(res.os.length > 0);
    assert.ok(res.cpus >= 1);
    assert.ok(res.uptimeS >= 0);
    assert.ok(res.memory.totalBytes > 0 && res.memory.freeBytes > 0 && res.memory.freeBytes <= res.memory.totalBytes);
    assert.deepEqual(gate.pairs(), [`${LIST} ${SYSINFO}`]);
    assert.deepEqual(gate.asked[0]?.request.entities, [{ uid: { type: 'sysinfo::Sysinfo', id: 'sysinfo' }, attrs: {}, parents: [] }]);
  });

  test('denied: AccessDenied on Sysinfo', () => {
    const { info } = setup([allowAction(LIST, 'uname')]);
    assert.throws(() => info(), denied(SYSINFO));
  });
});

describe('sys.hostname', () => {
  test('allowed: asks list on Uname', () => {
    const { gate, hostname } = setup([allowAction(LIST, 'uname')]);
    assert.equal(hostname(), os.hostname());
    assert.deepEqual(gate.pairs(), [`${LIST} ${UNAME}`]);
  });

  test('denied: Sysinfo permission does not grant Uname', () => {
    const { hostname } = setup([allowAction(LIST, 'sysinfo')]);
    assert.throws(() => hostname(), denied(UNAME));
  });
});

describe('sys.df', () => {
  test('allowed: usage of real mounts, including /', () => {
    const { gate, df } = setup([allowAction(LIST, 'sysinfo')]);
    const rows = df() as { mount: string; fs: string; totalBytes: number; freeBytes: number; availBytes: number }[];
    const root = rows.find((r) => r.mount === '/');
    assert.ok(root, JSON.stringify(rows.map((r) => r.mount)));
    assert.ok(root.totalBytes > 0 && root.freeBytes <= root.totalBytes && root.availBytes <= root.freeBytes);
    assert.ok(root.fs.length > 0);
    assert.deepEqual(gate.pairs(), [`${LIST} ${SYSINFO}`]);
  });

  test('denied: AccessDenied before /proc/mounts is read', () => {
    const { df, ctx } = setup([]);
    assert.throws(() => df(), denied(SYSINFO));
    assert.equal(ctx.budget.used, 1);
  });

  test('each mount costs one op (bounded by the budget)', () => {
    const { df } = setup([allowAction(LIST)], { maxOps: 2 });
    assert.throws(() => df(), (err: unknown) => hasCode(err, 'OPS_LIMIT'));
  });
});
