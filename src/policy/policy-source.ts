import { readFileSync } from 'node:fs';
import { messageOf } from '../core/errors.js';
import { PolicyError } from './errors.js';

/** A policy's text and where it came from (`path` is only used to name the file in messages). */
export interface PolicySource {
  readonly path: string;
  readonly text: string;
}

/**
 * Reads a policy file as UTF-8. Unreadable files raise POLICY_NOT_FOUND; bytes that are not UTF-8 raise
 * POLICY_INVALID, because silently replacing them would make the policy mean something other than
 * what its author wrote.
 */
export function loadPolicyFile(path: string): PolicySource {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new PolicyError('POLICY_NOT_FOUND', path, [{ message: `cannot read policy file: ${messageOf(err)}` }], {
      cause: err,
    });
  }
  return { path, text: decodePolicyBytes(path, bytes) };
}

/** Decodes policy bytes taken from a bundle or a file; the same rules as loadPolicyFile. */
export function decodePolicyBytes(path: string, bytes: Uint8Array): string {
  let text: string;
  try {
    // fatal: reject invalid UTF-8 instead of turning it into U+FFFD.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch (err) {
    throw new PolicyError('POLICY_INVALID', path, [{ message: 'policy file is not valid UTF-8' }], { cause: err });
  }
  // ignoreBOM: false strips a leading byte-order mark, which editors do not count as a column either.
  return text;
}
