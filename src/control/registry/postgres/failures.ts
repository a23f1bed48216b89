import pg from 'pg';
import { RegistryError } from '../errors.js';

/** SQLSTATE classes that mean "cannot talk to the database right now" (retrying may help). */
const UNAVAILABLE_STATES = /^(08|53|57P0|58)/;
/** Bad credentials (class 28) or no such database: the URL is wrong, retrying will not help. */
const MISCONFIGURED_STATES = /^(28|3D000)/;
/** Messages of the driver's own connection failures, which carry no SQLSTATE or errno. */
const DRIVER_CONNECTION_MESSAGES = /timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error|Cannot use a pool after calling end/i;

/**
 * The URL without its password, for error messages and logs.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    // Connection URLs carry credentials; an error message may reach a log anyone can read.
    if (parsed.password !== '') parsed.password = '***';
    parsed.searchParams.delete('password');
    return parsed.toString();
  } catch {
    return 'the PostgreSQL URL';
  }
}

/**
 * PostgreSQL and driver failures as registry errors. Constraint violations the registry expects
 * are mapped where the statement runs; anything else from the database (a bug in our SQL) is
 * returned unchanged, so it is not mistaken for an outage.
 */
export function asRegistryError(err: unknown, where: string): unknown {
  if (err instanceof RegistryError) return err;
  if (err instanceof pg.DatabaseError) {
    const state = err.code ?? '';
    if (UNAVAILABLE_STATES.test(state)) return new RegistryError('REGISTRY_UNAVAILABLE', `${where}: ${err.message}`, { cause: err });
    if (MISCONFIGURED_STATES.test(state)) return new RegistryError('REGISTRY_INVALID', `${where}: ${err.message}`, { cause: err });
    return err;
  }
  if (err instanceof Error && (isErrno(err) || DRIVER_CONNECTION_MESSAGES.test(err.message))) {
    return new RegistryError('REGISTRY_UNAVAILABLE', `${where}: cannot reach PostgreSQL: ${err.message || errnoOf(err)}`, { cause: err });
  }
  return err;
}

/** The unique_violation SQLSTATE, with the constraint it hit. */
export function uniqueViolation(err: unknown): string | null {
  return err instanceof pg.DatabaseError && err.code === '23505' ? (err.constraint ?? '') : null;
}

function isErrno(err: Error): boolean {
  return /^E[A-Z]+$/.test(errnoOf(err));
}

function errnoOf(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === 'string' ? code : '';
}
