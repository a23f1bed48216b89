import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { WRIT_SCHEMA } from './schema.js';
import { policy } from './testing.js';

function resolved(): Record<string, { entityTypes: Record<string, unknown>; actions: Record<string, { appliesTo?: { resourceTypes: string[] } }> }> {
  const answer = cedar.schemaToJsonWithResolvedTypes(WRIT_SCHEMA);
  assert.equal(answer.type, 'success');
  if (answer.type !== 'success') throw new Error('unreachable');
  assert.deepEqual(answer.warnings, []);
  return answer.json;
}

test('the schema parses with cedar-wasm', () => {
  assert.deepEqual(cedar.checkParseSchema(WRIT_SCHEMA), { type: 'success' });
});

test("the schema declares REX's entity types, actions and groups under REX's names", () => {
  const json = resolved();
  const entities = (ns: string) => Object.keys(json[ns]?.entityTypes ?? {}).sort();
  assert.deepEqual(entities(''), ['User']);
  assert.deepEqual(entities('file_system'), ['Arguments', 'Dir', 'Environment', 'File']);
  assert.deepEqual(entities('sysinfo'), ['Hostname', 'Sysinfo', 'Uname']);
  assert.deepEqual(entities('network'), ['url']);
  assert.deepEqual(entities('process_system'), ['Process']);
  assert.deepEqual(entities('systemd'), ['Service', 'Systemd']);
  assert.deepEqual(entities('sysctl'), ['Sysctl']);

  const appliesTo = (ns: string, action: string) => [...(json[ns]?.actions[action]?.appliesTo?.resourceTypes ?? [])].sort();
  const F = 'file_system::File';
  const D = 'file_system::Dir';
  for (const a of ['write', 'network_namespace', 'redacted_read', 'execute']) assert.deepEqual(appliesTo('file_system', a), [F], a);
  for (const a of ['open', 'chmod', 'chown', 'create', 'delete', 'read', 'stat', 'set_x_attr', 'move']) {
    assert.deepEqual(appliesTo('file_system', a), [D, F], a);
  }
  assert.deepEqual(appliesTo('file_system', 'unmount'), [D]);
  assert.deepEqual(appliesTo('sysinfo', 'list'), ['sysinfo::Sysinfo', 'sysinfo::Uname']);
  assert.deepEqual(appliesTo('sysinfo', 'resolve_hostname'), ['sysinfo::Hostname']);
  for (const a of ['GET', 'connect']) assert.deepEqual(appliesTo('network', a), ['network::url']);
  for (const a of ['list', 'list_fds', 'mount_namespace', 'network_namespace', 'kill', 'interrupt', 'trace']) {
    assert.deepEqual(appliesTo('process_system', a), ['process_system::Process'], a);
  }
  for (const a of ['start', 'stop', 'restart', 'status']) assert.deepEqual(appliesTo('systemd', a), ['systemd::Service']);
  assert.deepEqual(appliesTo('systemd', 'daemon_reload'), ['systemd::Systemd']);
  assert.deepEqual(appliesTo('sysctl', 'load'), ['sysctl::Sysctl']);
});

test('REX-style policies naming groups, attributes, tags and contexts validate unchanged', () => {
  const text = `
permit(principal, action in file_system::Action::"SafeIO", resource in file_system::Dir::"/var/log");
permit(principal, action == file_system::Action::"execute", resource == file_system::File::"/usr/bin/ls")
  when { context.arguments.flags.contains("-l") && context.user.username == "alice" &&
         (if context has namespace then context.namespace.target_process_id == 1 else true) &&
         (if context.arguments.hasTag("color") then context.arguments.getTag("color") == "never" else true) };
permit(principal, action == file_system::Action::"move", resource)
  when { context.destination.parent_path like "/tmp/*" };
permit(principal, action == file_system::Action::"set_x_attr", resource) when { context.xattr.name == "user.x" };
permit(principal, action in sysinfo::Action::"SysinfoAction", resource);
permit(principal, action in network::Action::"NetworkAction", resource) when { resource.url like "https://*" };
permit(principal, action in process_system::Action::"ProcessAction", resource) when { resource.username == "alice" };
permit(principal, action in systemd::Action::"SystemdAction", resource is systemd::Service) when { resource.name == "nginx" };
permit(principal, action == systemd::Action::"daemon_reload", resource);
permit(principal, action in sysctl::Action::"SysctlAction", resource);
`;
  const validated = policy(text);
  assert.equal(Object.keys(validated.policies).length, 10);
});
