import { BundleError, verifyWrit, type VerifiedWrit } from '../../bundle/index.js';
import { PolicyError } from '../../policy/index.js';
import { openSealedContents, type SealedContents } from '../../runner/index.js';
import { readWrit } from './read-writ.js';
import { resolveWritSource, type VerifyFlags } from './verify-flags.js';
import { resolveVerifyOptions } from './verify-options.js';

export type OpenResult =
  | { readonly ok: true; readonly writ: VerifiedWrit; readonly contents: SealedContents }
  | { readonly ok: false; readonly code: string; readonly message: string };

/**
 * Reads, verifies and opens a sealed writ named on the command line. A refusal of the writ itself
 * (any BundleError, or a policy that does not validate) comes back as a value, to be reported with
 * exit code 4; a mistake in the command line or the host's own trust files still throws (exit 2).
 */
export async function openSealedWrit(positional: string | undefined, flags: VerifyFlags, mode: 'claim' | 'check'): Promise<OpenResult> {
  const source = resolveWritSource(positional, flags);
  const options = resolveVerifyOptions(flags, mode);
  try {
    const sealed = await readWrit(source, options.maxBundleBytes);
    const { writ, prepared } = await verifyWrit(sealed, options, openSealedContents);
    return { ok: true, writ, contents: prepared };
  } catch (err) {
    if (err instanceof BundleError || err instanceof PolicyError) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
}
