/**
 * The registry contract's cases for fleet runs: what lets an operator look at a fan-out again,
 * follow it from another terminal, or cancel it, on any control host sharing the registry.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';
import type { FleetRunRecord, NewFleetRun, Registry } from '../../src/control/registry/index.js';
import { at, iso, rejectsWithCode, uniqueName, type RegistryHarness } from './registry-fixtures.js';

const SHA = 'ab'.repeat(32);

export function newFleetRun(overrides: Partial<NewFleetRun> = {}): NewFleetRun {
  return { id: randomUUID(), operator: 'api-token', target: 'tag:web', writSha256: SHA, writBytes: 1234, hosts: [uniqueName('h'), uniqueName('h')], createdAt: at(0), ...overrides };
}

/** Creates a run, dispatches and finishes it the way the control host does, and checks every read on the way. */
export async function assertFleetRunsWork(registry: Registry): Promise<void> {
  const run = newFleetRun();
  const [a, b] = run.hosts as [string, string];
  await registry.createFleetRun(run);
  await registry.recordHostDispatched(run.id, a, 'agent-run-a');
  await registry.recordHostResult(run.id, a, { status: 'finished', exitCode: 3, error: null, finishedAt: at(5) });
  await registry.recordHostResult(run.id, b, { status: 'skipped', exitCode: null, error: { code: 'MAX_ERRORS', message: 'not dispatched' }, finishedAt: at(5) });
  await registry.finishFleetRun(run.id, 'finished', at(6));
  const got = await registry.getFleetRun(run.id);
  assert.deepEqual([got?.state, got?.hosts.map((h) => [h.host, h.state, h.agentRunId, h.exitCode, h.error?.code ?? null])], [
    'finished', [[a, 'finished', 'agent-run-a', 3, null], [b, 'skipped', null, null, 'MAX_ERRORS']],
  ]);
}

export function registryRunCases(current: () => RegistryHarness): void {
  const registry = (): Registry => current().registry;

  describe('fleet runs', () => {
    test('a run is recorded with every host pending, in the order given, and reads back whole', async () => {
      const hosts = [uniqueName('z'), uniqueName('a'), uniqueName('m')];
      const run = newFleetRun({ hosts, target: 'tag:web, db1', writBytes: 2 ** 40 });
      const expected: FleetRunRecord = {
        id: run.id, createdAt: iso(0), operator: 'api-token', target: 'tag:web, db1', writSha256: SHA, writBytes: 2 ** 40, state: 'running', finishedAt: null,
        hosts: hosts.map((host) => ({ host, state: 'pending', agentRunId: null, exitCode: null, error: null, finishedAt: null })),
      };
      assert.deepEqual(await registry().createFleetRun(run), expected);
      assert.deepEqual(await registry().getFleetRun(run.id), expected);
      await rejectsWithCode(registry().createFleetRun(run), 'FLEET_RUN_EXISTS');
      const empty = newFleetRun({ hosts: [] });
      assert.deepEqual((await registry().createFleetRun(empty)).hosts, []);
    });

    test('dispatch, results and the end are recorded; the first outcome and the first end stay', async () => {
      const run = newFleetRun({ hosts: [uniqueName('h'), uniqueName('h'), uniqueName('h')] });
      const [a, b, c] = run.hosts as [string, string, string];
      await registry().createFleetRun(run);
      await registry().recordHostDispatched(run.id, a, 'run-a');
      await registry().recordHostDispatched(run.id, b, 'run-b');
      assert.deepEqual((await registry().getFleetRun(run.id))?.hosts.map((h) => [h.state, h.agentRunId]), [['dispatched', 'run-a'], ['dispatched', 'run-b'], ['pending', null]]);
      // Exit codes are kept exactly, whatever they are.
      await registry().recordHostResult(run.id, a, { status: 'finished', exitCode: 0, error: null, finishedAt: at(10) });
      await registry().recordHostResult(run.id, b, { status: 'finished', exitCode: 137, error: { code: 'SCRIPT_FAILED', message: 'line\nbreak\u0007' }, finishedAt: at(11) });
      // A refusal names the agent's run without it ever being dispatched.
      await registry().recordHostResult(run.id, c, { status: 'finished', exitCode: 4, error: { code: 'WRIT_REJECTED', message: 'x'.repeat(5000) }, agentRunId: 'run-c', finishedAt: at(12) });
      await registry().recordHostResult(run.id, a, { status: 'finished', exitCode: 9, error: null, finishedAt: at(20) });
      await registry().recordHostDispatched(run.id, a, 'other');
      await registry().finishFleetRun(run.id, 'cancelled', at(30));
      await registry().finishFleetRun(run.id, 'finished', at(40));
      const got = await registry().getFleetRun(run.id);
      assert.deepEqual([got?.state, got?.finishedAt], ['cancelled', iso(30)]);
      assert.deepEqual(got?.hosts.map((h) => [h.state, h.agentRunId, h.exitCode, h.error?.code ?? null, h.finishedAt]), [
        ['finished', 'run-a', 0, null, iso(10)],
        ['finished', 'run-b', 137, 'SCRIPT_FAILED', iso(11)],
        ['finished', 'run-c', 4, 'WRIT_REJECTED', iso(12)],
      ]);
      assert.equal(got?.hosts[1]?.error?.message, 'line break ', 'control characters never reach an operator\'s table');
      assert.ok((got?.hosts[2]?.error?.message.length ?? 0) <= 2000, 'an agent cannot park megabytes in a message');
    });

    test('unknown runs and hosts are FLEET_RUN_NOT_FOUND; malformed ids read as absent', async () => {
      const run = newFleetRun();
      await registry().createFleetRun(run);
      const stranger = randomUUID();
      assert.equal(await registry().getFleetRun(stranger), null);
      assert.equal(await registry().getFleetRun("x' OR '1'='1"), null, 'an id that cannot be one finds nothing');
      await rejectsWithCode(registry().recordHostDispatched(stranger, run.hosts[0] ?? '', 'r'), 'FLEET_RUN_NOT_FOUND');
      await rejectsWithCode(registry().recordHostDispatched(run.id, uniqueName('not-in-run'), 'r'), 'FLEET_RUN_NOT_FOUND');
      await rejectsWithCode(registry().recordHostResult(run.id, 'bad name!', { status: 'finished', exitCode: 0, error: null, finishedAt: at(1) }), 'FLEET_RUN_NOT_FOUND');
      await rejectsWithCode(registry().finishFleetRun(stranger, 'finished', at(1)), 'FLEET_RUN_NOT_FOUND');
      await rejectsWithCode(registry().finishFleetRun('nope', 'finished', at(1)), 'FLEET_RUN_NOT_FOUND');
    });

    test('malformed inputs are RECORD_INVALID and leave nothing behind', async () => {
      const bad: Partial<NewFleetRun>[] = [
        { id: 'not-a-uuid' }, { id: randomUUID().toUpperCase() }, { writSha256: 'abc' }, { writBytes: -1 }, { operator: '' }, { operator: 'a\nb' },
        { target: '' }, { hosts: ['ok-host', 'ok-host'] }, { hosts: ['bad name'] }, { createdAt: 'yesterday' },
      ];
      for (const overrides of bad) {
        const run = newFleetRun(overrides);
        await rejectsWithCode(registry().createFleetRun(run), 'RECORD_INVALID');
        if (/^[0-9a-f-]{36}$/.test(run.id)) assert.equal(await registry().getFleetRun(run.id), null);
      }
      const run = newFleetRun();
      await registry().createFleetRun(run);
      const host = run.hosts[0] ?? '';
      await rejectsWithCode(registry().recordHostDispatched(run.id, host, ''), 'RECORD_INVALID');
      await rejectsWithCode(registry().recordHostResult(run.id, host, { status: 'ok' as 'finished', exitCode: 0, error: null, finishedAt: at(1) }), 'RECORD_INVALID');
      await rejectsWithCode(registry().recordHostResult(run.id, host, { status: 'finished', exitCode: 1.5, error: null, finishedAt: at(1) }), 'RECORD_INVALID');
      await rejectsWithCode(registry().finishFleetRun(run.id, 'running' as 'finished', at(1)), 'RECORD_INVALID');
      await rejectsWithCode(registry().listFleetRuns({ limit: 0 }), 'RECORD_INVALID');
      assert.equal((await registry().getFleetRun(run.id))?.hosts[0]?.state, 'pending');
    });

    test('listFleetRuns: newest first (ties by id), limited, hosts included; another control host sees them', async () => {
      const base = 20_000_000; // later than every other case's runs, so the newest are ours
      const older = await registry().createFleetRun(newFleetRun({ createdAt: at(base) }));
      const tiedA = await registry().createFleetRun(newFleetRun({ createdAt: at(base + 5) }));
      const tiedB = await registry().createFleetRun(newFleetRun({ createdAt: at(base + 5) }));
      const newest = await registry().createFleetRun(newFleetRun({ createdAt: at(base + 9), hosts: [uniqueName('only')] }));
      const tied = [tiedA.id, tiedB.id].sort().reverse();
      const listed = await registry().listFleetRuns({ limit: 4 });
      assert.deepEqual(listed.map((r) => r.id), [newest.id, ...tied, older.id]);
      assert.deepEqual(listed[0], newest);
      assert.deepEqual((await registry().listFleetRuns({ limit: 1 })).map((r) => r.id), [newest.id]);
      assert.ok((await registry().listFleetRuns()).length <= 20, 'default limit');
      const other = await current().connect();
      try {
        await other.recordHostDispatched(newest.id, newest.hosts[0]?.host ?? '', 'seen-elsewhere');
        assert.equal((await registry().getFleetRun(newest.id))?.hosts[0]?.agentRunId, 'seen-elsewhere');
      } finally {
        await other.close();
      }
    });
  });
}
