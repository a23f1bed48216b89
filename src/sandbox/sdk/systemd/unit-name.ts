import { SdkError } from '../../errors.js';

const UNIT_TYPES = new Set([
  'service', 'socket', 'device', 'mount', 'automount', 'swap', 'target', 'path', 'timer', 'slice', 'scope',
]);

/** systemd's unit-name alphabet (letters, digits, `:`, `-`, `_`, `.`, `\`, `@`): no globs, no spaces. */
const UNIT_CHARS = /^[A-Za-z0-9:_.\\@-]+$/;

/**
 * Validates a unit name and returns the full name systemctl will act on (`nginx` -> `nginx.service`,
 * as systemctl itself would mangle it), so the policy authorizes the exact unit touched.
 */
export function canonicalUnitName(input: string): string {
  // Glob characters are outside the alphabet: `systemctl stop 'ngin*'` could otherwise hit many units.
  if (!UNIT_CHARS.test(input)) throw new SdkError('INVALID_ARGUMENT', `not a valid systemd unit name: ${JSON.stringify(input)}`);
  // A leading '-' would be read as an option by systemctl; '.' starts no valid unit.
  if (input.startsWith('-') || input.startsWith('.')) {
    throw new SdkError('INVALID_ARGUMENT', `not a valid systemd unit name: ${JSON.stringify(input)}`);
  }
  const dot = input.lastIndexOf('.');
  const suffix = dot === -1 ? '' : input.slice(dot + 1);
  const full = UNIT_TYPES.has(suffix) && dot > 0 ? input : `${input}.service`;
  // UNIT_NAME_MAX is 256 including the terminating NUL.
  if (full.length > 255) throw new SdkError('INVALID_ARGUMENT', 'systemd unit name is too long');
  return full;
}
