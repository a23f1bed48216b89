import { hostname } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CLOCK_SKEW_MS, DEFAULT_MAX_BUNDLE_BYTES, DirectoryReplayStore, EMPTY_REVOCATIONS, loadRevocationList, loadTrust, type VerifyOptions } from '../../bundle/index.js';
import { defaultStateDir } from '../../core/state-dir.js';
import { CliUsageError } from '../output.js';
import { parseWhole } from './duration.js';
import type { VerifyFlags } from './verify-flags.js';

/** Turns flags into checked verification options, loading trust and revocations once. */
export function resolveVerifyOptions(flags: VerifyFlags, replayMode: 'claim' | 'check'): VerifyOptions {
  // No default trust: a verifier that trusted something implicitly would verify nothing.
  if (flags.trust.length === 0) throw new CliUsageError('TRUST_MISSING', 'sealed writs need --trust: a public key, a directory of keys, or a CA certificate');
  const stateDir = defaultStateDir();
  return {
    trust: loadTrust(flags.trust),
    revocations: flags.revoked !== undefined ? loadRevocationList(flags.revoked) : EMPTY_REVOCATIONS,
    host: { name: flags.hostName ?? hostname(), tags: flags.tag },
    now: new Date(),
    clockSkewMs: flags.clockSkew !== undefined ? parseWhole('--clock-skew', flags.clockSkew, 0, 3600) * 1000 : DEFAULT_CLOCK_SKEW_MS,
    maxBundleBytes: flags.maxWritBytes !== undefined ? parseWhole('--max-writ-bytes', flags.maxWritBytes, 1, 4 * 1024 ** 3) : DEFAULT_MAX_BUNDLE_BYTES,
    replay: new DirectoryReplayStore(flags.replayStore ?? join(stateDir, 'replay')),
    replayMode,
    allowRerun: flags.allowRerun === true,
  };
}
