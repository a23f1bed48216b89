import pg from 'pg';
import { RegistryError } from '../errors.js';
import { redactUrl } from './failures.js';

export interface PostgresOptions {
  /** PostgreSQL schema holding the tables (default `writ`); tests use one per run to stay apart. */
  readonly schema?: string;
  /** How long to wait for a connection before REGISTRY_UNAVAILABLE (default 5000 ms). */
  readonly connectTimeoutMs?: number;
  /** Pool size (default 10). */
  readonly maxConnections?: number;
}

/**
 * A connection pool for a postgres:// or postgresql:// URL, and the URL's redacted form for
 * messages. Nothing connects yet; the first query does.
 */
export function createPool(url: string, options: PostgresOptions): { pool: pg.Pool; where: string } {
  const where = checkUrl(url);
  const pool = new pg.Pool({
    connectionString: url,
    // Bounded, so an unreachable database is an error in seconds rather than a hung control host.
    connectionTimeoutMillis: positiveInteger(options.connectTimeoutMs ?? 5000, 'connectTimeoutMs'),
    max: positiveInteger(options.maxConnections ?? 10, 'maxConnections'),
    application_name: 'writ-control',
  });
  // An idle connection that drops emits 'error' on the pool; unhandled, that would crash the
  // control host. The next query reports the outage as REGISTRY_UNAVAILABLE instead.
  pool.on('error', () => undefined);
  return { pool, where };
}

function checkUrl(url: unknown): string {
  let parsed: URL | undefined;
  try {
    parsed = typeof url === 'string' ? new URL(url) : undefined;
  } catch {
    // Reported below without echoing the URL: it may hold a password.
  }
  if (parsed === undefined || (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:')) {
    throw new RegistryError('REGISTRY_INVALID', 'the registry URL must be a postgres:// or postgresql:// URL');
  }
  return redactUrl(url as string);
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RegistryError('REGISTRY_INVALID', `${what} must be a positive integer`);
  return value;
}
