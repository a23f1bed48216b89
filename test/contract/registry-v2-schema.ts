/**
 * Registries as writ released them at schema version 2 (pairing requests keep tags, address and
 * version; no fleet runs yet), frozen here: the step from version 1, exactly as released, applied
 * on top of the frozen version 1 in registry-v1-schema.ts.
 */
import type { Registry } from '../../src/control/registry/index.js';
import { assertFleetRunsWork } from './registry-contract-runs.js';
import { assertUpgradedFromV1 } from './registry-v1-schema.js';

/** The version 2 step of src/control/registry/sqlite/schema.ts. */
export const SQLITE_V2_STEP = `
ALTER TABLE pairing_requests ADD COLUMN tags TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(tags) AND json_type(tags) = 'array');
ALTER TABLE pairing_requests ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE pairing_requests ADD COLUMN version TEXT;
`;

/** The version 2 step of src/control/registry/postgres/schema.ts in schema `s` (quoted), and the version it records. */
export function postgresV2Step(s: string): string {
  return `
ALTER TABLE ${s}.pairing_requests
  ADD COLUMN tags    text[] NOT NULL DEFAULT '{}' CHECK (array_position(tags, NULL) IS NULL),
  ADD COLUMN address text   NOT NULL DEFAULT '',
  ADD COLUMN version text;
UPDATE ${s}.schema_version SET version = 2;
`;
}

/**
 * What every upgrade from an older schema must leave: the old rows readable as they were written,
 * and fleet runs (version 3) recordable. Closes the registry.
 */
export async function assertUpgradedToCurrent(registry: Registry): Promise<void> {
  try {
    await assertUpgradedFromV1(registry);
    await assertFleetRunsWork(registry);
  } finally {
    await registry.close();
  }
}
