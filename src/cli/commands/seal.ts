import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Command } from 'commander';
import { createPublicKey } from 'node:crypto';
import type { ManifestLimits, SealSigning } from '../../bundle/index.js';
import { loadPolicyFile, validatePolicy } from '../../policy/index.js';
import { loadArgsFile, parseLimit } from '../../runner/index.js';
import { CliUsageError, emit } from '../output.js';
import { collect, parseDuration } from '../sealed/duration.js';

/** The flags addSigningOptions defines. */
export interface SigningFlags {
  key: string;
  cert?: string;
  expires: string;
  notBefore?: string;
  audience: string[];
}

interface SealFlags extends SigningFlags {
  script: string;
  policy: string;
  args?: string;
  input: string[];
  timeout?: string;
  memory?: string;
  maxOps?: string;
  maxOutput?: string;
  out: string;
  json?: boolean;
}

function readInput(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new CliUsageError('FILE_NOT_FOUND', `${flag} ${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

function parseInputs(specs: readonly string[]): Map<string, Uint8Array> {
  const inputs = new Map<string, Uint8Array>();
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq <= 0) throw new CliUsageError('OPTION_INVALID', `--input must be NAME=FILE, got "${spec}"`);
    const name = spec.slice(0, eq);
    if (inputs.has(name)) throw new CliUsageError('OPTION_INVALID', `--input ${name} given twice`);
    inputs.set(name, readInput('--input', spec.slice(eq + 1)));
  }
  return inputs;
}

function manifestLimits(flags: SealFlags): ManifestLimits {
  return {
    ...(flags.timeout !== undefined ? { timeout: parseLimit('timeoutMs', flags.timeout) } : {}),
    ...(flags.memory !== undefined ? { memory: parseLimit('memoryMiB', flags.memory) } : {}),
    ...(flags.maxOps !== undefined ? { maxOps: parseLimit('maxOps', flags.maxOps) } : {}),
    ...(flags.maxOutput !== undefined ? { maxOutput: parseLimit('maxOutputBytes', flags.maxOutput) } : {}),
  };
}

function parseNotBefore(raw: string | undefined): Date | undefined {
  if (raw === undefined) return undefined;
  const d = new Date(raw);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z$/.test(raw) || Number.isNaN(d.getTime())) {
    throw new CliUsageError('OPTION_INVALID', `--not-before must be an ISO 8601 UTC time like 2026-01-02T03:04:05Z, got "${raw}"`);
  }
  return d;
}

/** Writes next to the target and renames: a reader never sees half a writ under the final name. */
export function writeAtomically(path: string, bytes: Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(tmp, bytes, { mode: 0o644 });
  renameSync(tmp, path);
}

/** Who signs, for when and for whom, from the signing flags: the key and chain are read here. */
export async function signingFromFlags(flags: SigningFlags): Promise<SealSigning> {
  const expiresInMs = parseDuration('--expires', flags.expires);
  const notBefore = parseNotBefore(flags.notBefore);
  const { loadPrivateKey, loadSignerChain } = await import('../../bundle/index.js');
  const privateKey = loadPrivateKey(flags.key);
  const chainDer = flags.cert !== undefined ? loadSignerChain(flags.cert, privateKey) : undefined;
  return { privateKey, ...(chainDer ? { chainDer } : {}), now: new Date(), ...(notBefore ? { notBefore } : {}), expiresInMs, audience: flags.audience };
}

async function seal(flags: SealFlags): Promise<void> {
  // Loaded on use, like every command's heavy part: `writ run --script` starts without it.
  const { keyFingerprint, sealWrit } = await import('../../bundle/index.js');
  const signing = await signingFromFlags(flags);
  // Refuse now what every host would refuse later: an invalid policy or arguments file.
  validatePolicy(loadPolicyFile(flags.policy));
  if (flags.args !== undefined) loadArgsFile(flags.args);
  const sealed = await sealWrit({
    script: { name: basename(flags.script), bytes: readInput('--script', flags.script) },
    policy: readInput('--policy', flags.policy),
    ...(flags.args !== undefined ? { args: readInput('--args', flags.args) } : {}),
    inputs: parseInputs(flags.input),
    ...signing,
    limits: manifestLimits(flags),
  });
  const m = sealed.manifest;
  const summary = {
    out: flags.out,
    id: m.id,
    bytes: sealed.writ.length,
    signer: keyFingerprint(createPublicKey(signing.privateKey)),
    notBefore: m.notBefore.toISOString(),
    expiresAt: m.expiresAt.toISOString(),
    audience: m.audience,
  };
  if (flags.out === '-') {
    process.stdout.write(sealed.writ);
    return;
  }
  writeAtomically(flags.out, sealed.writ);
  emit(flags.json ? JSON.stringify(summary) : `sealed ${flags.out}: writ ${m.id}, ${summary.bytes} bytes, signer ${summary.signer}, valid ${summary.notBefore} to ${summary.expiresAt}${m.audience.length > 0 ? `, for ${m.audience.join(', ')}` : ''}`);
}

/** `writ seal`: bundle a script with its policy and arguments, sign it, write one `.writ` file. */
/** The signer's options, the same on every command that seals (`writ seal`, `writ exec`). */
export function addSigningOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--key <file>', 'private signing key (PEM: writ keygen, or openssl RSA/EC P-256/Ed25519)')
    .option('--cert <file>', 'signer certificate chain (PEM, leaf first), for hosts that trust a CA')
    .option('--expires <duration>', 'validity after --not-before: 90s, 30m, 1h, 7d', '1h')
    .option('--not-before <time>', 'first valid moment, ISO 8601 UTC (default: now)')
    .option('--audience <host|tag:NAME>', 'host name or tag:NAME allowed to run it (repeatable; none: any host trusting the key)', collect, []);
}

export function sealCommand(): Command {
  const cmd = new Command('seal')
    .description('bundle a script, its Cedar policy and arguments with a manifest, and sign them into one .writ file')
    .requiredOption('--script <file>', 'the script (.js, .mjs, .ts)')
    .requiredOption('--policy <file>', 'the Cedar policy bounding it (validated before sealing)')
    .option('--args <file>', 'arguments (JSON object, or REX typed form)')
    .option('--input <name=file>', 'a file sealed in as an input, read by the script with inputs.read(NAME) (repeatable)', collect, []);
  return addSigningOptions(cmd)
    .option('--timeout <ms>', 'requested wall-time limit (hosts cap it)')
    .option('--memory <mib>', 'requested memory limit in MiB (hosts cap it)')
    .option('--max-ops <n>', 'requested host operation limit (hosts cap it)')
    .option('--max-output <bytes>', 'requested output cap (hosts cap it)')
    .requiredOption('--out <file>', 'the .writ file to write, or - for standard output')
    .option('--json', 'print a JSON summary')
    .action(async (flags: SealFlags) => {
      await seal(flags);
    });
}
