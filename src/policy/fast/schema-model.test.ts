import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { WRIT_SCHEMA } from '../schema.js';
import { buildSchemaModel, uidKey } from './schema-model.js';
import { ACTIONS, GROUPS } from './testing.js';

test("writ's schema is fully modelled, and the action groups are the schema's", () => {
  const result = buildSchemaModel(WRIT_SCHEMA);
  assert.ok(result.ok, result.ok ? '' : result.reason);
  const { model } = result;
  for (const [ns, actions] of Object.entries(ACTIONS)) {
    const group = { type: `${ns}::Action`, id: GROUPS[ns]! };
    for (const id of actions) {
      const a = model.actions.get(uidKey(`${ns}::Action`, id));
      assert.deepEqual(a?.ancestors, [group], `${ns}::${id}`);
      assert.ok(a.principalTypes.has('User'));
    }
  }
  assert.deepEqual([...(model.entityTypes.get('file_system::File')?.memberOfTypes ?? [])], ['file_system::Dir']);
  assert.equal(model.entityTypes.get('file_system::Arguments')?.tags?.kind, 'String');
  assert.equal(model.actions.get(uidKey('file_system::Action', 'execute'))?.context.get('namespace')?.required, false);
});

test('groups are closed transitively; schema features not modelled make the model unavailable', () => {
  const nested = buildSchemaModel('entity U; action top; action mid in top; action leaf in mid appliesTo { principal: U, resource: U };');
  assert.ok(nested.ok);
  assert.deepEqual(nested.model.actions.get(uidKey('Action', 'leaf'))?.ancestors.map((u) => u.id).sort(), ['mid', 'top']);
  // A bare name inside a namespace means that namespace's type if it has one, else the global one.
  const names = buildSchemaModel('entity U; entity G; namespace N { entity U; entity V in [U, G]; action a appliesTo { principal: [U, G], resource: V }; }');
  assert.ok(names.ok);
  assert.deepEqual([...(names.model.entityTypes.get('N::V')?.memberOfTypes ?? [])], ['N::U', 'G']);
  assert.deepEqual([...(names.model.actions.get(uidKey('N::Action', 'a'))?.principalTypes ?? [])], ['N::U', 'G']);
  for (const schema of [
    'entity U { a: ipaddr };',
    'entity U enum ["a", "b"];',
    'entity U; action a appliesTo { principal: U, resource: U, context: { x: decimal } };',
    'this is not a schema',
  ]) {
    assert.equal(buildSchemaModel(schema).ok, false, schema);
  }
});
