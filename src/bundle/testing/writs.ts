import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { DirectoryReplayStore } from '../replay-store.js';
import { sealWrit, type SealRequest, type SealedOutput } from '../seal.js';
import { EMPTY_REVOCATIONS, keyFingerprint, type TrustStore } from '../trust/index.js';
import type { VerifyOptions } from '../verify.js';

/** Test helpers: keys made at test time, writs sealed in process, verify options with a temp store. */
export function newSigner(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ed25519');
}

export function trustKeys(...keys: KeyObject[]): TrustStore {
  return { keys: keys.map((key, i) => ({ key, fingerprint: keyFingerprint(key), source: `test-key-${i}` })), authorities: [] };
}

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

export const ALLOW_ALL_POLICY = 'permit(principal, action, resource);\n';

export async function sealTest(privateKey: KeyObject, overrides: Partial<SealRequest> = {}): Promise<SealedOutput> {
  return sealWrit({
    script: { name: 'script.js', bytes: enc('console.log("sealed"); 40 + 2') },
    policy: enc(ALLOW_ALL_POLICY),
    inputs: new Map(),
    privateKey,
    now: new Date(),
    expiresInMs: 3_600_000,
    audience: [],
    limits: {},
    ...overrides,
  });
}

export function verifyOptionsFor(trust: TrustStore, replayDir: string, overrides: Partial<VerifyOptions> = {}): VerifyOptions {
  return {
    trust,
    revocations: EMPTY_REVOCATIONS,
    host: { name: 'web1', tags: ['prod'] },
    now: new Date(),
    clockSkewMs: 60_000,
    maxBundleBytes: 64 * 1024 * 1024,
    replay: new DirectoryReplayStore(replayDir),
    replayMode: 'claim',
    allowRerun: false,
    ...overrides,
  };
}
