import { WritError } from '../core/errors.js';

export type OutputFormat = 'json' | 'human';

/** Validated once at the edge: anything but json|human is a usage error. */
export function parseOutputFormat(raw: string): OutputFormat {
  if (raw === 'json' || raw === 'human') return raw;
  throw new CliUsageError('OPTION_INVALID', `--output must be json or human, got "${raw}"`);
}

/** A command-line mistake: exit code 2, message on stderr. */
export class CliUsageError extends WritError {}

/** Writes and lets Node flush on its own: process.exit() could cut a large report short. */
export function emit(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function emitError(code: string, message: string): void {
  process.stderr.write(`writ: ${code}: ${message}\n`);
}
