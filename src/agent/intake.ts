import { BundleError, decodeWrit, verifyWrit, type ReplayStore, type SealedWrit, type VerifiedWrit } from '../bundle/index.js';
import { maxWritBytesFor } from '../core/writ-size.js';
import { PolicyError } from '../policy/index.js';
import { openSealedContents, type SealedContents } from '../runner/index.js';
import type { Submission } from '../transport/index.js';
import type { AgentRuntime } from './runtime.js';

export type Admission =
  | { readonly ok: true; readonly writ: VerifiedWrit; readonly contents: SealedContents }
  | { readonly ok: false; readonly code: string; readonly message: string };

function sealedFrom(submission: Submission, maxBundleBytes: number): SealedWrit {
  if (submission.kind === 'writ') return decodeWrit(submission.bytes, maxWritBytesFor(maxBundleBytes));
  return { bundle: submission.bundle, signature: submission.signature };
}

/**
 * Verifies a submission exactly as `writ run` does (same function, same order, same codes): the
 * transport it came by makes no difference. A refusal is a value; anything else is a bug and throws.
 */
export async function admit(submission: Submission, runtime: AgentRuntime, replay: ReplayStore): Promise<Admission> {
  const t = runtime.config.trust;
  try {
    const sealed = sealedFrom(submission, t.maxWritBytes);
    const { writ, prepared } = await verifyWrit(
      sealed,
      {
        trust: runtime.trust,
        revocations: runtime.revocations,
        host: runtime.host,
        now: new Date(),
        clockSkewMs: t.clockSkewSeconds * 1000,
        maxBundleBytes: t.maxWritBytes,
        replay,
        replayMode: 'claim',
        allowRerun: t.allowRerun,
      },
      openSealedContents,
    );
    return { ok: true, writ, contents: prepared };
  } catch (err) {
    if (err instanceof BundleError || err instanceof PolicyError) return { ok: false, code: err.code, message: err.message };
    throw err;
  }
}
