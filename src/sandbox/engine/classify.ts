/**
 * Turns what the guest threw into the run's status and error. Only the bootstrap's private denial
 * registry can make a run `denied`; an object the script builds to look like a denial stays a script
 * error, so a script cannot forge the action/resource an operator sees.
 */
import type { RunErrorInfo, SandboxOutcome } from '../outcome.js';
import { BOOTSTRAP_FILENAME } from './bootstrap-source.js';
import type { LineMap } from './source-map.js';

/** What bootstrap.describeError reports about a thrown value (parsed and validated host-side). */
export interface GuestError {
  readonly isObject: boolean;
  readonly name: string;
  readonly message: string;
  readonly stack: string;
  readonly denial: { readonly action: string; readonly resource: string; readonly message: string } | null;
}

export interface Classified {
  readonly status: SandboxOutcome['status'];
  readonly error: RunErrorInfo;
}

const MAX_STACK_LINES = 10;

/** Rewrites `filename:line:col` locations through the TypeScript source map, when there is one. */
export class StackMapper {
  readonly #filename: string;
  readonly #lines: LineMap | undefined;

  constructor(filename: string, lines: LineMap | undefined) {
    this.#filename = filename;
    this.#lines = lines;
  }

  location(line: number, column: number): { line: number; column: number } {
    return this.#lines?.original(line, column) ?? { line, column };
  }

  stack(stack: string): string {
    // Engine-internal frames (the bootstrap's stubs) say nothing useful to the script's author.
    const lines = stack.split('\n').filter((l) => l.trim() !== '' && !l.includes(BOOTSTRAP_FILENAME)).slice(0, MAX_STACK_LINES);
    const escaped = this.#filename.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const pattern = new RegExp(`${escaped}:(\\d+)(?::(\\d+))?`, 'g');
    return lines
      .map((l) => l.replace(pattern, (_m, ln: string, col: string | undefined) => {
        const mapped = this.location(Number(ln), col === undefined ? 1 : Number(col));
        return col === undefined ? `${this.#filename}:${mapped.line}` : `${this.#filename}:${mapped.line}:${mapped.column}`;
      }))
      .join('\n');
  }
}

/** Parses describeError's JSON; anything malformed is reported as an unreadable error. */
export function parseGuestError(text: string | undefined): GuestError {
  const fallback: GuestError = { isObject: false, name: '', message: 'unreadable error', stack: '', denial: null };
  if (text === undefined) return fallback;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return fallback;
  }
  if (typeof raw !== 'object' || raw === null) return fallback;
  const r = raw as Record<string, unknown>;
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  const d = r.denial;
  let denial: GuestError['denial'] = null;
  if (typeof d === 'object' && d !== null) {
    const dr = d as Record<string, unknown>;
    denial = { action: str(dr.action), resource: str(dr.resource), message: str(dr.message) };
  }
  return { isObject: r.isObject === true, name: str(r.name), message: str(r.message), stack: str(r.stack), denial };
}

/** Status and error for an uncaught guest exception. */
export function classifyThrown(e: GuestError, mapper: StackMapper): Classified {
  if (e.denial !== null) {
    const { action, resource, message } = e.denial;
    return { status: 'denied', error: { code: 'ACCESS_DENIED', message, action, resource } };
  }
  // QuickJS reports both its malloc limit and a failed WASM growth this way (an InternalError, shown as RangeError).
  if (e.isObject && (e.name === 'RangeError' || e.name === 'InternalError') && e.message === 'out of memory') {
    return { status: 'limit', error: { code: 'MEMORY_LIMIT', message: 'script exceeded its memory limit' } };
  }
  const head = e.isObject ? `${e.name}: ${e.message}` : `Uncaught ${e.message}`;
  const stack = mapper.stack(e.stack);
  return { status: 'failed', error: { code: 'SCRIPT_ERROR', message: stack === '' ? head : `${head}\n${stack}` } };
}

/** A compile-time SyntaxError: message with the (mapped) line:column QuickJS reported. */
export function classifySyntax(e: GuestError, mapper: StackMapper, filename: string): Classified {
  const match = /:(\d+):(\d+)/.exec(e.stack);
  const where = match === null ? '' : (() => {
    const loc = mapper.location(Number(match[1]), Number(match[2]));
    return ` (${filename}:${loc.line}:${loc.column})`;
  })();
  return { status: 'failed', error: { code: 'SCRIPT_SYNTAX', message: `${e.name}: ${e.message}${where}` } };
}
