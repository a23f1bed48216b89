import { RegistryError } from './errors.js';
import type { FleetErrorRecord, FleetHostResult, FleetRunListOptions, FleetRunState, NewFleetRun } from './fleet-run-records.js';
import { checkAgentName, invalid, isAgentName, isoInstant, printable } from './validate.js';

/**
 * Fleet-run inputs checked once, in the form both back ends store (see inputs.ts for why). Error
 * messages come from agents and may be long or carry control characters: they are cut and cleaned
 * here rather than refused, so a chatty agent can never stop a result from being recorded.
 */

const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_HOSTS = 100_000;
const MAX_TARGET_LENGTH = 8192;
const MAX_OPERATOR_LENGTH = 256;
const MAX_AGENT_RUN_ID_LENGTH = 256;
const MAX_ERROR_CODE_LENGTH = 128;
const MAX_ERROR_MESSAGE_LENGTH = 2000;
export const DEFAULT_RUN_LIST_LIMIT = 20;
const MAX_RUN_LIST_LIMIT = 1000;
const CONTROL_CHARACTER = /[\p{Cc}\p{Cf}]/u;
const CONTROL_CHARACTERS = /[\p{Cc}\p{Cf}]/gu;

export interface FleetRunRow {
  readonly id: string;
  readonly operator: string;
  readonly target: string;
  readonly writSha256: string;
  readonly writBytes: number;
  readonly hosts: string[];
  readonly createdAt: string;
}

export interface HostResultRow {
  readonly state: 'finished' | 'skipped';
  readonly exitCode: number | null;
  readonly errorCode: string | null;
  readonly errorMessage: string | null;
  readonly agentRunId: string | null;
  readonly finishedAt: string;
}

/** A malformed id names no run: lookups answer "not found" without asking the database. */
export function isFleetRunId(id: unknown): id is string {
  return typeof id === 'string' && RUN_ID.test(id);
}

export function fleetRunNotFound(id: unknown, host?: string): RegistryError {
  return new RegistryError('FLEET_RUN_NOT_FOUND', `no fleet run ${printable(id)}${host === undefined ? '' : ` with host ${printable(host)}`}`);
}

function text(value: unknown, max: number, what: string): string {
  // Shown to operators in tables: a control character could rewrite the line they read.
  if (typeof value !== 'string' || value.length === 0 || value.length > max || CONTROL_CHARACTER.test(value)) {
    throw invalid(`${what} must be 1 to ${max} printable characters`);
  }
  return value;
}

export function checkNewFleetRun(run: NewFleetRun): FleetRunRow {
  if (typeof run !== 'object' || run === null) throw invalid('fleet run must be an object');
  if (!isFleetRunId(run.id)) throw invalid(`fleet run id "${printable(run.id)}" must be a lower-case UUID`);
  if (typeof run.writSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(run.writSha256)) throw invalid('writSha256 must be 64 lower-case hex digits');
  if (!Number.isSafeInteger(run.writBytes) || run.writBytes < 0) throw invalid('writBytes must be a whole number');
  const hosts: unknown = run.hosts;
  if (!Array.isArray(hosts) || hosts.length > MAX_HOSTS) throw invalid(`hosts must be an array of at most ${MAX_HOSTS} agent names`);
  const names = (hosts as unknown[]).map(checkAgentName);
  // One row per (run, host): a host named twice would be a second row for the same agent.
  if (new Set(names).size !== names.length) throw invalid('hosts must not repeat a name');
  return {
    id: run.id,
    operator: text(run.operator, MAX_OPERATOR_LENGTH, 'operator'),
    // As typed, with any control character (a stray tab or newline the resolver ignored) made a space.
    target: text(typeof run.target === 'string' ? run.target.replace(CONTROL_CHARACTERS, ' ') : run.target, MAX_TARGET_LENGTH, 'target'),
    writSha256: run.writSha256,
    writBytes: run.writBytes,
    hosts: names,
    createdAt: isoInstant(run.createdAt, 'createdAt'),
  };
}

export function checkAgentRunId(agentRunId: unknown): string {
  return text(agentRunId, MAX_AGENT_RUN_ID_LENGTH, 'agentRunId');
}

function cleaned(value: unknown, max: number, fallback: string): string {
  const s = typeof value === 'string' ? value.replace(CONTROL_CHARACTERS, ' ') : '';
  const cut = s.length > max ? `${s.slice(0, max - 1)}…` : s;
  return cut === '' ? fallback : cut;
}

function checkError(error: FleetErrorRecord | null): { code: string | null; message: string | null } {
  if (error === null) return { code: null, message: null };
  if (typeof error !== 'object') throw invalid('error must be {code, message} or null');
  return { code: cleaned(error.code, MAX_ERROR_CODE_LENGTH, 'UNKNOWN'), message: cleaned(error.message, MAX_ERROR_MESSAGE_LENGTH, '-') };
}

export function checkHostResult(result: FleetHostResult): HostResultRow {
  if (typeof result !== 'object' || result === null) throw invalid('host result must be an object');
  if (result.status !== 'finished' && result.status !== 'skipped') throw invalid('host result status must be finished or skipped');
  const exitCode: unknown = result.exitCode;
  // Exit codes are passed through exactly, but they are process exit codes: 32-bit at most.
  if (exitCode !== null && (!Number.isSafeInteger(exitCode) || Math.abs(exitCode as number) > 2 ** 31)) throw invalid('exitCode must be a whole number or null');
  const error = checkError(result.error);
  return {
    state: result.status,
    exitCode: exitCode as number | null,
    errorCode: error.code,
    errorMessage: error.message,
    agentRunId: result.agentRunId === undefined || result.agentRunId === null ? null : checkAgentRunId(result.agentRunId),
    finishedAt: isoInstant(result.finishedAt, 'finishedAt'),
  };
}

export function checkFinalRunState(state: unknown): Exclude<FleetRunState, 'running'> {
  if (state !== 'finished' && state !== 'cancelled') throw invalid('a fleet run ends finished or cancelled');
  return state;
}

export function checkRunListLimit(options: FleetRunListOptions): number {
  if (typeof options !== 'object' || options === null) throw invalid('options must be an object');
  const limit = options.limit ?? DEFAULT_RUN_LIST_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_RUN_LIST_LIMIT) throw invalid(`limit must be 1 to ${MAX_RUN_LIST_LIMIT}`);
  return limit;
}

/** Host names in lookups that cannot be agent names match nothing (FLEET_RUN_NOT_FOUND). */
export const isHostName = isAgentName;
