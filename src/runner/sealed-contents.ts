import type { JsonObject } from '../core/json.js';
// Direct imports (not the bundle index): `writ run --script` must not load signature and X.509 code.
import { BundleError } from '../bundle/errors.js';
import type { ManifestLimits, VerifiedWrit } from '../bundle/index.js';
import { decodePolicyBytes, validatePolicy, type ValidatedPolicy } from '../policy/index.js';
import { parseArgsText } from './args-file.js';
import { RunInputError } from './errors.js';
import type { RunLimits } from './limits.js';
import type { ScriptSource } from './script-source.js';

/** A verified writ's contents, decoded and validated: everything runScript needs from the bundle. */
export interface SealedContents {
  readonly script: ScriptSource;
  readonly policy: ValidatedPolicy;
  readonly args: JsonObject;
  readonly inputs: ReadonlyMap<string, Uint8Array>;
  readonly requestedLimits: ManifestLimits;
}

/**
 * Decodes the entry script, validates policy.cedar against the schema (POLICY_INVALID names the
 * bundle file, line and column) and parses args.json. Runs before the replay store is touched, so a
 * writ refused here keeps its nonce.
 */
export function openSealedContents(writ: VerifiedWrit): SealedContents {
  const file = (name: string): Uint8Array | undefined => writ.files.get(name);
  const scriptBytes = file(writ.entry) ?? new Uint8Array(0);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(scriptBytes);
  } catch (err) {
    throw new BundleError('MALFORMED', `${writ.entry}: the script is not valid UTF-8`, { cause: err });
  }
  const policy = validatePolicy({ path: 'policy.cedar', text: decodePolicyBytes('policy.cedar', file('policy.cedar') ?? new Uint8Array(0)) });
  const argsBytes = file('args.json');
  let args: JsonObject = {};
  if (argsBytes) {
    try {
      args = parseArgsText('args.json', new TextDecoder('utf-8', { fatal: true }).decode(argsBytes));
    } catch (err) {
      // Bad arguments inside a signed bundle are the bundle's fault: a rejection, not a usage error.
      throw new BundleError('MALFORMED', err instanceof RunInputError ? err.message : 'args.json is not valid UTF-8', { cause: err });
    }
  }
  return {
    script: { filename: writ.entry, text, language: writ.language === 'typescript' ? 'ts' : 'js' },
    policy,
    args,
    inputs: writ.inputs,
    requestedLimits: writ.manifest?.limits ?? {},
  };
}

/** The manifest asks, the host caps: each limit is the smaller of the two. */
export function capLimits(host: RunLimits, requested: ManifestLimits): RunLimits {
  const min = (cap: number, asked: number | undefined): number => (asked === undefined ? cap : Math.min(cap, asked));
  return {
    timeoutMs: min(host.timeoutMs, requested.timeout),
    memoryMiB: min(host.memoryMiB, requested.memory),
    maxOps: min(host.maxOps, requested.maxOps),
    maxOutputBytes: min(host.maxOutputBytes, requested.maxOutput),
  };
}
