import { createPublicKey, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { packBundle } from './archive/index.js';
import { encodeWrit } from './container.js';
import { TrustConfigError } from './errors.js';
import { ARGS_FILE, INPUTS_DIR, POLICY_FILE, languageOfEntry } from './layout.js';
import { MANIFEST_FILE, manifestToJson, type Manifest, type ManifestLimits } from './manifest.js';
import { signDetached } from './trust/index.js';

/** Who signs a writ and for when and whom: the same for every command that seals. */
export interface SealSigning {
  readonly privateKey: KeyObject;
  /** Signer certificate chain, leaf first, DER. Without one the signer's public key is carried. */
  readonly chainDer?: readonly Uint8Array[];
  readonly now: Date;
  readonly notBefore?: Date;
  readonly expiresInMs: number;
  readonly audience: readonly string[];
}

/** What `writ seal` puts in a writ, already read and checked by the caller. */
export interface SealRequest extends SealSigning {
  /** The entry script's file name in the bundle and its bytes. */
  readonly script: { readonly name: string; readonly bytes: Uint8Array };
  readonly policy: Uint8Array;
  readonly args?: Uint8Array;
  readonly inputs: ReadonlyMap<string, Uint8Array>;
  readonly limits: ManifestLimits;
}

export interface SealedOutput {
  readonly writ: Uint8Array;
  readonly bundle: Uint8Array;
  readonly signature: Uint8Array;
  readonly manifest: Manifest;
}

const INPUT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const RESERVED = new Set([MANIFEST_FILE, POLICY_FILE, ARGS_FILE]);

export function newManifest(req: SealRequest): Manifest {
  const language = languageOfEntry(req.script.name);
  // The same rules the verifier applies, so writ never seals a writ it would refuse.
  if (language === undefined || RESERVED.has(req.script.name) || req.script.name.includes('/')) {
    throw new TrustConfigError('SCRIPT_NAME_INVALID', `${req.script.name}: the script must be a .js, .mjs, .ts or .mts file`);
  }
  if (language === 'rhai') throw new TrustConfigError('LANGUAGE_UNSUPPORTED', `${req.script.name}: Rhai not supported yet; no host could run this writ`);
  const notBefore = req.notBefore ?? req.now;
  return {
    formatVersion: 1,
    id: randomUUID(),
    // 128 random bits: the replay store's key, never reused by chance.
    nonce: randomBytes(16).toString('base64url'),
    createdAt: req.now,
    notBefore,
    expiresAt: new Date(notBefore.getTime() + req.expiresInMs),
    entry: req.script.name,
    language,
    audience: [...req.audience],
    limits: { ...req.limits },
  };
}

/** Builds the bundle (manifest, script, policy, args, inputs), signs its exact bytes, packs the writ. */
export async function sealWrit(req: SealRequest): Promise<SealedOutput> {
  const manifest = newManifest(req);
  const files = new Map<string, Uint8Array>([
    [MANIFEST_FILE, new TextEncoder().encode(`${JSON.stringify(manifestToJson(manifest), null, 2)}\n`)],
    [manifest.entry, req.script.bytes],
    [POLICY_FILE, req.policy],
  ]);
  if (req.args) files.set(ARGS_FILE, req.args);
  for (const [name, bytes] of req.inputs) {
    if (!INPUT_NAME.test(name)) throw new TrustConfigError('INPUT_NAME_INVALID', `--input ${name}: names are letters, digits, '.', '_' and '-'`);
    files.set(`${INPUTS_DIR}${name}`, bytes);
  }
  const bundle = await packBundle(files);
  const signature = signDetached(bundle, req.privateKey);
  const signer = req.chainDer
    ? { chainDer: req.chainDer }
    : { signerKeyDer: new Uint8Array(createPublicKey(req.privateKey).export({ format: 'der', type: 'spki' })) };
  return { writ: encodeWrit({ bundle, signature, ...signer }), bundle, signature, manifest };
}
