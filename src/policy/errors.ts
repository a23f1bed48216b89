import { WritError } from '../core/errors.js';

/** Stable codes of PolicyError; tests and the CLI's exit-code mapping rely on these, not on messages. */
export type PolicyErrorCode = 'POLICY_NOT_FOUND' | 'POLICY_INVALID';

/** One problem found in a policy file, located in characters (1-based) where Cedar gave a location. */
export interface PolicyDiagnostic {
  readonly message: string;
  readonly line?: number;
  readonly column?: number;
}

/** `policy.cedar:3:14: message` (or `policy.cedar: message` when Cedar gave no location). */
export function formatDiagnostic(file: string, d: PolicyDiagnostic): string {
  const where = d.line === undefined ? file : `${file}:${d.line}:${d.column ?? 1}`;
  return `${where}: ${d.message}`;
}

/** One unknown attribute can yield an error per entity type; keep the message readable. */
const MAX_MESSAGE_LINES = 5;

/**
 * A policy that cannot be used: unreadable (POLICY_NOT_FOUND) or not parsing / not validating against
 * the schema (POLICY_INVALID). `line`/`column` are those of the first problem; all problems are in
 * `diagnostics` and the first few in the message, one per line, each naming file:line:column so
 * people can jump there.
 */
export class PolicyError extends WritError {
  declare readonly code: PolicyErrorCode;
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly diagnostics: readonly PolicyDiagnostic[];

  constructor(
    code: PolicyErrorCode,
    file: string,
    diagnostics: readonly PolicyDiagnostic[],
    options?: { cause?: unknown },
  ) {
    // Never construct an error without a reason: an empty list would print an empty message.
    const list = diagnostics.length > 0 ? diagnostics : [{ message: 'unknown policy error' }];
    const shown = list.slice(0, MAX_MESSAGE_LINES).map((d) => formatDiagnostic(file, d));
    if (list.length > MAX_MESSAGE_LINES) shown.push(`${file}: (${list.length - MAX_MESSAGE_LINES} more)`);
    super(code, shown.join('\n'), options);
    this.file = file;
    this.diagnostics = list;
    const first = list[0];
    if (first?.line !== undefined) this.line = first.line;
    if (first?.column !== undefined) this.column = first.column;
  }
}
