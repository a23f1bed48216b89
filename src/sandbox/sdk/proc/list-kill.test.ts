import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { after, describe, test } from 'node:test';
import { hasCode } from '../../../core/errors.js';
import { AccessDeniedError } from '../../errors.js';
import type { AccessRequest } from '../../gate.js';
import type { HostFunction } from '../../host-api.js';
import { allowAction, RecordingGate, testContext, type Rule } from '../testing/recording-gate.js';
import { createProcModule } from './index.js';

const LIST = 'process_system::Action::"list"';
const KILL = 'process_system::Action::"kill"';

type Row = { pid: number; name: string; username: string; command: string };

const children: ChildProcess[] = [];
after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** A real `sleep` child with a unique argument, so the test can find exactly it. */
function sleeper(): { child: ChildProcess; pid: number; marker: string } {
  const marker = `${100 + Math.floor(Math.random() * 100)}.${process.pid}${children.length}`;
  const child = spawn('/bin/sleep', [marker], { stdio: 'ignore' });
  children.push(child);
  assert.ok(child.pid !== undefined);
  return { child, pid: child.pid, marker };
}

function attr(request: AccessRequest, name: string): unknown {
  return request.entities[0]?.attrs[name];
}

function setup(rules: Rule[], options: Parameters<typeof testContext>[1] = {}) {
  const gate = new RecordingGate(rules);
  const ctx = testContext(gate, options);
  const mod = createProcModule(ctx);
  return { gate, ctx, list: mod.list as HostFunction, kill: mod.kill as HostFunction };
}

function code(expected: string): (err: unknown) => boolean {
  return (err) => hasCode(err, expected);
}

describe('proc.list', () => {
  test('allowed: real /proc rows; one list request per process with name, username, command', () => {
    const { pid, marker } = sleeper();
    const { gate, list } = setup([allowAction(LIST)]);
    const rows = list() as Row[];
    const mine = rows.find((r) => r.pid === pid);
    assert.deepEqual(mine, { pid, name: 'sleep', username: userInfo().username, command: `/bin/sleep ${marker}` });
    assert.ok(rows.some((r) => r.pid === process.pid));
    const asked = gate.asked.find((q) => q.resource === `process_system::Process::"${pid}"`);
    assert.equal(asked?.action, LIST);
    assert.deepEqual(asked?.request.entities, [
      {
        uid: { type: 'process_system::Process', id: String(pid) },
        attrs: { name: 'sleep', username: userInfo().username, command: `/bin/sleep ${marker}` },
        parents: [],
      },
    ]);
    assert.ok(gate.asked.every((q) => q.action === LIST));
    assert.equal(gate.asked.length, rows.length);
  });

  test('denied processes are filtered out silently', () => {
    const { pid } = sleeper();
    const { gate, list } = setup([(req) => formatAction(req) === LIST && attr(req, 'name') === 'sleep']);
    const rows = list() as Row[];
    assert.ok(rows.length >= 1);
    assert.ok(rows.every((r) => r.name === 'sleep'));
    assert.ok(rows.some((r) => r.pid === pid));
    assert.ok(gate.asked.some((q) => q.decision === 'deny'));
  });

  test('nothing allowed: an empty list, not an error', () => {
    const { list } = setup([]);
    assert.deepEqual(list(), []);
  });

  test('the budget bounds how many processes one call reads', () => {
    const { list } = setup([allowAction(LIST)], { maxOps: 2 });
    assert.throws(() => list(), code('OPS_LIMIT'));
  });
});

describe('proc.kill', () => {
  test('allowed: signals the process; asks kill with its /proc attributes', async () => {
    const { child, pid, marker } = sleeper();
    const { gate, kill } = setup([(req) => formatAction(req) === KILL && attr(req, 'command') === `/bin/sleep ${marker}`]);
    assert.equal(kill(pid), null);
    const [, signal] = (await once(child, 'exit')) as [number | null, string | null];
    assert.equal(signal, 'SIGTERM');
    assert.deepEqual(gate.pairs(), [`${KILL} process_system::Process::"${pid}"`]);
    assert.equal(attr(gate.asked[0]!.request, 'name'), 'sleep');
  });

  test('an explicit signal is sent', async () => {
    const { child, pid } = sleeper();
    const { kill } = setup([allowAction(KILL)]);
    kill(pid, 'SIGKILL');
    const [, signal] = (await once(child, 'exit')) as [number | null, string | null];
    assert.equal(signal, 'SIGKILL');
  });

  test('denied: AccessDenied naming the Process, and the process lives on', async () => {
    const { child, pid } = sleeper();
    const { kill } = setup([]);
    assert.throws(
      () => kill(pid),
      (err: unknown) => err instanceof AccessDeniedError && err.action === KILL && err.resource === `process_system::Process::"${pid}"`,
    );
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(child.exitCode, null);
    assert.equal(child.signalCode, null);
    assert.ok(existsSync(`/proc/${pid}`));
  });

  test('ADVERSARIAL: pid 0, negative, fractional and non-numeric pids are refused before the gate', () => {
    const { gate, kill } = setup([allowAction(KILL)]);
    for (const bad of [0, -1, -12345, 1.5, '1', null, 2 ** 40]) assert.throws(() => kill(bad), code('INVALID_ARGUMENT'), String(bad));
    assert.equal(gate.asked.length, 0);
  });

  test('ADVERSARIAL: only allowlisted signal names', () => {
    const { pid } = sleeper();
    const { gate, kill } = setup([allowAction(KILL)]);
    for (const bad of ['SIGSEGV', 'KILL', 9, 'sigterm', '0']) assert.throws(() => kill(pid, bad), code('INVALID_ARGUMENT'), String(bad));
    assert.equal(gate.asked.length, 0);
  });

  test('a vanished pid is NO_SUCH_PROCESS', async () => {
    const { child, pid } = sleeper();
    child.kill('SIGKILL');
    await once(child, 'exit');
    const { kill } = setup([allowAction(KILL)]);
    assert.throws(() => kill(pid), code('NO_SUCH_PROCESS'));
  });

  test('ADVERSARIAL: the runner itself is never signalled, even when the policy allows', () => {
    const { gate, kill } = setup([allowAction(KILL)]);
    assert.throws(() => kill(process.pid, 'SIGKILL'), code('INVALID_ARGUMENT'));
    assert.equal(gate.asked.length, 1);
  });
});

function formatAction(req: AccessRequest): string {
  return `${req.action.type}::${JSON.stringify(req.action.id)}`;
}
