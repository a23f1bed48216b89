import { createHash } from 'node:crypto';
import { DEFAULT_UNPACK_LIMITS, unpackBundle, type UnpackLimits } from './archive/index.js';
import type { SealedWrit } from './container.js';
import { BundleError } from './errors.js';
import { checkLayout, type BundleLayout } from './layout.js';
import { MANIFEST_FILE, parseManifest, type Manifest } from './manifest.js';
import type { ReplayStore } from './replay-store.js';
import { authenticate, type RevocationList, type SignerIdentity, type TrustStore } from './trust/index.js';

/** Who this host is, for the manifest's audience. */
export interface HostIdentity {
  readonly name: string;
  readonly tags: readonly string[];
}

/** Everything verification needs, resolved and checked once at the edge (CLI flags, agent config). */
export interface VerifyOptions {
  readonly trust: TrustStore;
  readonly revocations: RevocationList;
  readonly host: HostIdentity;
  readonly now: Date;
  /** Tolerance for clocks that disagree, applied to notBefore, expiresAt and certificate validity. */
  readonly clockSkewMs: number;
  readonly maxBundleBytes: number;
  readonly unpack?: UnpackLimits;
  readonly replay: ReplayStore;
  /** 'claim' records the writ as run (writ run); 'check' only reports a replay (writ verify). */
  readonly replayMode: 'claim' | 'check';
  /** Manifest-less bundles have no nonce; by default their digest is remembered forever. */
  readonly allowRerun: boolean;
}

/** A writ whose every check passed; its files came out of a bundle whose signature verified. */
export interface VerifiedWrit extends BundleLayout {
  readonly signer: SignerIdentity;
  /** `sha256:` + hex of the exact bundle bytes. */
  readonly digest: string;
  readonly manifest: Manifest | null;
  readonly files: ReadonlyMap<string, Uint8Array>;
}

export { DEFAULT_CLOCK_SKEW_MS, DEFAULT_MAX_BUNDLE_BYTES } from './defaults.js';

/**
 * Verifies a writ in DESIGN.md's order and refuses it at the first failed check: size bounds, the
 * signature over the exact bytes, trust in the signer, revocation; only then is the bundle unpacked
 * (in memory); then its layout, expiry and notBefore, audience; `prepare` (the caller's own checks
 * of the contents, e.g. validating the policy); and last the replay store, so only a writ that is
 * about to run uses up its nonce.
 */
export async function verifyWrit<T>(writ: SealedWrit, options: VerifyOptions, prepare: (writ: VerifiedWrit) => T): Promise<{ writ: VerifiedWrit; prepared: T }> {
  // Size first: nothing is hashed, verified or unpacked for an input over the bound.
  if (writ.bundle.length > options.maxBundleBytes) {
    throw new BundleError('TOO_LARGE', `bundle is ${writ.bundle.length} bytes; the limit is ${options.maxBundleBytes}`);
  }
  const signer = authenticate(
    { data: writ.bundle, signature: writ.signature, ...(writ.signerKey ? { signerKey: writ.signerKey } : {}), ...(writ.chain ? { chain: writ.chain } : {}) },
    options.trust,
    options.revocations,
    options.now,
    options.clockSkewMs,
  );
  // Only now, with the signer trusted, is a byte of the bundle interpreted.
  const files = await unpackBundle(writ.bundle, options.unpack ?? DEFAULT_UNPACK_LIMITS);
  const manifestBytes = files.get(MANIFEST_FILE);
  const manifest = manifestBytes ? parseManifest(manifestBytes) : null;
  const layout = checkLayout(files, manifest);
  if (manifest) {
    checkTime(manifest, options);
    checkAudience(manifest, options.host);
  }
  // Refused only now, so that the message comes from a trusted, well-formed, current writ.
  if (layout.language === 'rhai') throw new BundleError('LANGUAGE_UNSUPPORTED', `${layout.entry}: Rhai not supported yet; seal a JavaScript or TypeScript script`);
  const verified: VerifiedWrit = { ...layout, signer, digest: `sha256:${createHash('sha256').update(writ.bundle).digest('hex')}`, manifest, files };
  const prepared = prepare(verified);
  checkReplay(verified, options);
  return { writ: verified, prepared };
}

function checkTime(manifest: Manifest, options: VerifyOptions): void {
  const now = options.now.getTime();
  if (now + options.clockSkewMs < manifest.notBefore.getTime()) {
    throw new BundleError('NOT_YET_VALID', `writ ${manifest.id} is valid from ${manifest.notBefore.toISOString()}; it is ${options.now.toISOString()} here`);
  }
  if (now - options.clockSkewMs > manifest.expiresAt.getTime()) {
    throw new BundleError('EXPIRED', `writ ${manifest.id} expired at ${manifest.expiresAt.toISOString()}; it is ${options.now.toISOString()} here`);
  }
}

function checkAudience(manifest: Manifest, host: HostIdentity): void {
  if (manifest.audience.length === 0) return;
  // Host names compare case-insensitively (DNS does); tags exactly.
  const name = host.name.toLowerCase();
  const matches = manifest.audience.some((a) => (a.startsWith('tag:') ? host.tags.includes(a.slice(4)) : a.toLowerCase() === name));
  if (!matches) {
    const tags = host.tags.length > 0 ? ` (tags ${host.tags.join(', ')})` : '';
    throw new BundleError('WRONG_AUDIENCE', `writ ${manifest.id} is for ${manifest.audience.join(', ')}; this host is ${host.name}${tags}`);
  }
}

function checkReplay(writ: VerifiedWrit, options: VerifyOptions): void {
  const m = writ.manifest;
  if (!m && options.allowRerun) return;
  // Nonces are per signer, so one trusted signer cannot use up another's; digests need no signer.
  const key = m ? `nonce:${writ.signer.fingerprint}:${m.nonce}` : `digest:${writ.digest}`;
  // Keep a nonce until its writ could no longer pass the expiry check, skew included.
  const until = m ? new Date(m.expiresAt.getTime() + options.clockSkewMs) : null;
  const fresh = options.replayMode === 'claim' ? options.replay.claim(key, until, options.now) : !options.replay.seen(key, options.now);
  if (!fresh) {
    const what = m ? `writ ${m.id} (nonce ${m.nonce})` : `bundle ${writ.digest}`;
    throw new BundleError('REPLAYED', `${what} has already run on this host`);
  }
}
