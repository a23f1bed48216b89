import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hasCode } from '../../core/errors.js';
import type { HostFunction } from '../host-api.js';
import { createHostApi, FUNCTIONS } from './index.js';
import { allowAction, RecordingGate, testContext } from './testing/recording-gate.js';

/** Modules built in this folder whose host functions and catalog must match one to one. */
const OWN = ['net', 'proc', 'sys', 'systemd'];
const ACTION = /^[a-z_]+::Action::"[A-Za-z_]+"$/;

describe('createHostApi', () => {
  test('exposes fs, net, proc, sys, systemd, inputs and the fs prelude', () => {
    const sdk = createHostApi(testContext(new RecordingGate()));
    try {
      assert.deepEqual(Object.keys(sdk.api).sort(), ['fs', 'inputs', 'net', 'proc', 'sys', 'systemd']);
      assert.equal(typeof sdk.prelude, 'string');
      assert.ok(Object.isFrozen(sdk.api));
      for (const mod of Object.values(sdk.api)) assert.ok(Object.isFrozen(mod));
    } finally {
      sdk.dispose();
    }
  });

  test('a blocking call works through the SDK; dispose is idempotent and final', () => {
    const sdk = createHostApi(testContext(new RecordingGate([allowAction('sysinfo::Action::"resolve_hostname"')])));
    const resolve = sdk.api.net?.resolve as HostFunction;
    assert.ok((resolve('localhost') as string[]).length > 0);
    sdk.dispose();
    sdk.dispose();
    assert.throws(() => resolve('localhost'), (err: unknown) => hasCode(err, 'SDK_DISPOSED'));
  });

  test('every function is denied by a gate that allows nothing (fail closed)', () => {
    const gate = new RecordingGate();
    const sdk = createHostApi(testContext(gate));
    try {
      const calls: [string, string, unknown[]][] = [
        ['net', 'get', ['http://127.0.0.1:1/']],
        ['net', 'resolve', ['localhost']],
        ['proc', 'kill', [1]],
        ['proc', 'exec', ['/bin/echo', []]],
        ['sys', 'info', []],
        ['sys', 'hostname', []],
        ['sys', 'df', []],
        ['systemd', 'status', ['nginx']],
        ['systemd', 'start', ['nginx']],
        ['systemd', 'stop', ['nginx']],
        ['systemd', 'restart', ['nginx']],
      ];
      for (const [mod, name, args] of calls) {
        const fn = sdk.api[mod]?.[name] as (...a: unknown[]) => unknown;
        assert.throws(() => fn(...args), (err: unknown) => hasCode(err, 'ACCESS_DENIED'), `${mod}.${name}`);
      }
      assert.deepEqual((sdk.api.proc?.list as HostFunction)(), []);
      assert.ok(gate.asked.every((q) => q.decision === 'deny'));
    } finally {
      sdk.dispose();
    }
  });
});

describe('FUNCTIONS catalog', () => {
  test('lists exactly the host functions of net, proc, sys, systemd, each with well-formed actions', () => {
    const sdk = createHostApi(testContext(new RecordingGate()));
    sdk.dispose();
    const exposed = OWN.flatMap((mod) => Object.keys(sdk.api[mod] ?? {}).map((fn) => `${mod}.${fn}`)).sort();
    const listed = FUNCTIONS.map((f) => f.name).filter((name) => OWN.includes(name.split('.')[0] ?? '')).sort();
    assert.deepEqual(listed, exposed);
    for (const f of FUNCTIONS.filter((x) => OWN.includes(x.name.split('.')[0] ?? ''))) {
      assert.ok(f.actions.length > 0 && f.actions.every((a) => ACTION.test(a)), f.name);
      assert.ok(f.signature.startsWith(`${f.name}(`), f.name);
      assert.ok(f.description.length > 0, f.name);
    }
  });

  test('every fs host function is listed too', () => {
    const sdk = createHostApi(testContext(new RecordingGate()));
    sdk.dispose();
    const names = new Set(FUNCTIONS.map((f) => f.name));
    for (const fn of Object.keys(sdk.api.fs ?? {})) assert.ok(names.has(`fs.${fn}`), `fs.${fn}`);
  });

  test('every inputs host function is listed too, asking no Cedar action', () => {
    const sdk = createHostApi(testContext(new RecordingGate()));
    sdk.dispose();
    const listed = FUNCTIONS.filter((f) => f.name.startsWith('inputs.'));
    assert.deepEqual(listed.map((f) => f.name).sort(), Object.keys(sdk.api.inputs ?? {}).map((n) => `inputs.${n}`).sort());
    assert.ok(listed.every((f) => f.actions.length === 0));
  });

  test('names are unique', () => {
    assert.equal(new Set(FUNCTIONS.map((f) => f.name)).size, FUNCTIONS.length);
  });
});
