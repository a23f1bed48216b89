/**
 * Verify time of a sealed writ against hashing the same bytes (SHA-256), for a 10 KB and a 10 MB
 * writ. Verification = container parse, Ed25519 signature, trust, unpack (gunzip + tar), manifest,
 * layout, time, audience and a replay-store lookup (check mode, so runs do not use up the nonce).
 * Incompressible input, so gunzip does real work. Median of several runs; run alone:
 * `npx tsx bench/verify.ts`.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryReplayStore, EMPTY_REVOCATIONS, decodeWrit, keyFingerprint, sealWrit, verifyWrit } from '../src/bundle/index.js';
import { medianOf } from './stats.js';

export interface VerifyBenchRow {
  readonly label: string;
  readonly writBytes: number;
  readonly verifyMs: number;
  readonly hashMs: number;
  readonly ratio: number;
}

async function measure(label: string, payloadBytes: number, replayDir: string): Promise<VerifyBenchRow> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const sealed = await sealWrit({
    script: { name: 'script.js', bytes: new TextEncoder().encode('inputs.readBytes("data").length') },
    policy: new TextEncoder().encode('permit(principal, action, resource);'),
    inputs: new Map([['data', randomBytes(payloadBytes)]]),
    privateKey,
    now: new Date(),
    expiresInMs: 3_600_000,
    audience: [],
    limits: {},
  });
  const options = {
    trust: { keys: [{ key: publicKey, fingerprint: keyFingerprint(publicKey), source: 'bench' }], authorities: [] },
    revocations: EMPTY_REVOCATIONS,
    host: { name: 'bench', tags: [] },
    now: new Date(),
    clockSkewMs: 60_000,
    maxBundleBytes: 64 * 1024 * 1024,
    replay: new DirectoryReplayStore(replayDir),
    replayMode: 'check' as const,
    allowRerun: false,
  };
  const runs = payloadBytes > 1_000_000 ? 15 : 200;
  const verify = async (): Promise<void> => {
    await verifyWrit(decodeWrit(sealed.writ, 1 << 30), options, () => null);
  };
  const hash = (): void => {
    createHash('sha256').update(sealed.writ).digest();
  };
  for (let i = 0; i < 3; i++) {
    await verify();
    hash();
  }
  const verifyMs = await medianOf(runs, verify);
  const hashMs = await medianOf(runs, hash);
  return { label, writBytes: sealed.writ.length, verifyMs, hashMs, ratio: verifyMs / hashMs };
}

export async function benchVerify(): Promise<VerifyBenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'writ-bench-verify-'));
  try {
    return [await measure('10 KB', 10 * 1024, dir), await measure('10 MB', 10 * 1024 * 1024, dir)];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  console.log(JSON.stringify(await benchVerify(), null, 2));
}
