import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { hasCode } from '../../../core/errors.js';
import { AccessDeniedError } from '../../errors.js';
import type { HostFunction, HostModule } from '../../host-api.js';
import { allowAction, RecordingGate, testContext, type Rule } from '../testing/recording-gate.js';
import { canonicalUnitName, createSystemdModule, type SystemdHost } from './index.js';

const EXECUTE = 'file_system::Action::"execute"';
const VERBS = ['status', 'start', 'stop', 'restart'] as const;

const tmp = mkdtempSync(join(tmpdir(), 'writ-systemd-'));
after(() => { rmSync(tmp, { recursive: true, force: true }); });

/** A stand-in systemctl that records its argv and answers `show` like the real one. */
function fakeHost(exitCode = 0): SystemdHost & { log: string } {
  const dir = mkdtempSync(join(tmp, 'host-'));
  const runtimeDir = join(dir, 'run-systemd-system');
  mkdirSync(runtimeDir);
  const log = join(dir, 'argv.log');
  const systemctl = join(dir, 'systemctl');
  writeFileSync(
    systemctl,
    [
      '#!/bin/sh',
      `printf '%s\\n' "$@" > '${log}'`,
      // The shell itself adds PWD; anything else would have come from us.
      `printf 'env:%s\\n' "$(env | grep -vc '^PWD=')" >> '${log}'`,
      `if [ ${exitCode} -ne 0 ]; then echo "Failed to do it" >&2; exit ${exitCode}; fi`,
      'if [ "$3" = show ]; then printf "Id=%s\\nLoadState=loaded\\nActiveState=active\\nSubState=running\\nDescription=A test unit\\nMainPID=1234\\n" "$5"; fi',
    ].join('\n'),
  );
  chmodSync(systemctl, 0o755);
  return { systemctl, runtimeDir, log };
}

function setup(rules: Rule[], host?: SystemdHost) {
  const gate = new RecordingGate(rules);
  const ctx = testContext(gate);
  const mod: HostModule = host === undefined ? createSystemdModule(ctx) : createSystemdModule(ctx, host);
  const fn = (verb: (typeof VERBS)[number]): HostFunction => mod[verb] as HostFunction;
  return { gate, ctx, fn };
}

function code(expected: string): (err: unknown) => boolean {
  return (err) => hasCode(err, expected);
}

describe('systemd (this machine: no systemd running)', () => {
  for (const verb of VERBS) {
    test(`${verb}: denied -> AccessDenied on the Service (never reveals availability)`, () => {
      const { gate, fn } = setup([allowAction(EXECUTE)]);
      assert.throws(
        () => fn(verb)('nginx'),
        (err: unknown) => err instanceof AccessDeniedError && err.action === `systemd::Action::"${verb}"` && err.resource === 'systemd::Service::"nginx.service"',
      );
      assert.equal(gate.asked.length, 1);
      assert.deepEqual(gate.asked[0]?.request.entities, [
        { uid: { type: 'systemd::Service', id: 'nginx.service' }, attrs: { name: 'nginx.service' }, parents: [] },
      ]);
    });

    test(`${verb}: the systemctl helper needs execute too`, () => {
      const { gate, fn } = setup([allowAction(`systemd::Action::"${verb}"`)]);
      assert.throws(
        () => fn(verb)('nginx.service'),
        (err: unknown) => err instanceof AccessDeniedError && err.action === EXECUTE && err.resource === 'file_system::File::"/usr/bin/systemctl"',
      );
      assert.deepEqual(gate.pairs(), [
        `systemd::Action::"${verb}" systemd::Service::"nginx.service"`,
        `${EXECUTE} file_system::File::"/usr/bin/systemctl"`,
      ]);
    });

    test(`${verb}: allowed but systemd absent -> SYSTEMD_UNAVAILABLE after both checks`, () => {
      const { gate, fn } = setup([allowAction(`systemd::Action::"${verb}"`), allowAction(EXECUTE)]);
      assert.throws(() => fn(verb)('nginx'), code('SYSTEMD_UNAVAILABLE'));
      assert.equal(gate.asked.length, 2);
      assert.ok(gate.asked.every((q) => q.decision === 'allow'));
    });
  }

  test('the execute request carries the exact systemctl argv and an empty environment', () => {
    const { gate, fn } = setup([allowAction('systemd::Action::"restart"'), allowAction(EXECUTE)]);
    assert.throws(() => fn('restart')('nginx'), code('SYSTEMD_UNAVAILABLE'));
    const req = gate.asked[1]!.request;
    const args = req.entities.find((e) => e.uid.type === 'file_system::Arguments');
    const env = req.entities.find((e) => e.uid.type === 'file_system::Environment');
    assert.deepEqual(args?.attrs, { keys: [], flags: ['--', '--no-ask-password', '--no-pager'], positional_values: ['nginx.service', 'restart'] });
    assert.deepEqual(env?.attrs, { names: [] });
  });
});

describe('systemd with a stand-in systemctl', () => {
  test('status: parses systemctl show; argv puts "--" before the unit', () => {
    const host = fakeHost();
    const { fn } = setup([allowAction('systemd::Action::"status"'), allowAction(EXECUTE)], host);
    assert.deepEqual(fn('status')('nginx'), {
      unit: 'nginx.service', loadState: 'loaded', activeState: 'active', subState: 'running', description: 'A test unit', mainPid: 1234,
    });
    assert.deepEqual(readFileSync(host.log, 'utf8').split('\n').filter(Boolean), [
      '--no-pager', '--property=Id,LoadState,ActiveState,SubState,Description,MainPID', 'show', '--', 'nginx.service', 'env:0',
    ]);
  });

  for (const verb of ['start', 'stop', 'restart'] as const) {
    test(`${verb}: runs systemctl ${verb} -- <unit> with an empty environment`, () => {
      const host = fakeHost();
      const { gate, fn } = setup([allowAction(`systemd::Action::"${verb}"`), allowAction(EXECUTE)], host);
      assert.equal(fn(verb)('getty@tty1.service'), null);
      assert.deepEqual(readFileSync(host.log, 'utf8').split('\n').filter(Boolean), [
        '--no-pager', '--no-ask-password', verb, '--', 'getty@tty1.service', 'env:0',
      ]);
      assert.deepEqual(gate.pairs(), [
        `systemd::Action::"${verb}" systemd::Service::"getty@tty1.service"`,
        `${EXECUTE} file_system::File::${JSON.stringify(host.systemctl)}`,
      ]);
    });
  }

  test('a failing systemctl is SYSTEMD_FAILED', () => {
    const { fn } = setup([allowAction('systemd::Action::"start"'), allowAction(EXECUTE)], fakeHost(5));
    assert.throws(() => fn('start')('nginx'), code('SYSTEMD_FAILED'));
  });
});

describe('unit names', () => {
  test('canonical: a bare name means .service; known suffixes are kept', () => {
    assert.equal(canonicalUnitName('nginx'), 'nginx.service');
    assert.equal(canonicalUnitName('nginx.service'), 'nginx.service');
    assert.equal(canonicalUnitName('backup.timer'), 'backup.timer');
    assert.equal(canonicalUnitName('foo.bar'), 'foo.bar.service');
    assert.equal(canonicalUnitName('dev-sda1.device'), 'dev-sda1.device');
    assert.equal(canonicalUnitName('system-getty.slice'), 'system-getty.slice');
    assert.equal(canonicalUnitName('a\\x2db.mount'), 'a\\x2db.mount');
  });

  test('ADVERSARIAL: globs, options, spaces, paths and over-long names are refused before any check', () => {
    const { gate, fn } = setup([() => true]);
    for (const bad of ['ngin*', 'nginx?', '[ab].service', '--root=/tmp', '-H host', 'a b', '../x', '/etc/x.service', '', 'x'.repeat(300), 'a;b', 'a\nb', 42]) {
      assert.throws(() => fn('stop')(bad), code('INVALID_ARGUMENT'), String(bad));
    }
    assert.equal(gate.asked.length, 0);
  });
});
