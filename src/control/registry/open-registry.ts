import { RegistryError } from './errors.js';
import { PostgresRegistry } from './postgres/postgres-registry.js';
import type { Registry } from './registry.js';
import { SqliteRegistry } from './sqlite/sqlite-registry.js';

export interface OpenRegistryOptions {
  /** PostgreSQL only: the schema holding the tables (default `writ`). */
  readonly schema?: string;
}

/**
 * The registry a control host's configuration names: a postgres:// or postgresql:// URL (shared
 * by several control hosts), otherwise the path of a SQLite file (one control host).
 */
export async function openRegistry(urlOrPath: string, options: OpenRegistryOptions = {}): Promise<Registry> {
  if (typeof urlOrPath !== 'string' || urlOrPath === '') throw new RegistryError('REGISTRY_INVALID', 'the registry location must be a URL or a file path');
  if (/^postgres(ql)?:\/\//i.test(urlOrPath)) return PostgresRegistry.connect(urlOrPath, options.schema === undefined ? {} : { schema: options.schema });
  // Any other URL scheme is a mistake, not a file name: refuse it rather than create a file called "mysql:".
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(urlOrPath)) throw new RegistryError('REGISTRY_INVALID', 'the registry URL must be postgres:// or postgresql://; other locations are SQLite file paths');
  if (options.schema !== undefined) throw new RegistryError('REGISTRY_INVALID', 'the schema option applies to PostgreSQL only');
  return Promise.resolve(SqliteRegistry.open(urlOrPath));
}
