import { existsSync, mkdirSync, rmSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { WritError } from '../../core/errors.js';
import { writeNewFileDurably } from '../../core/exclusive-file.js';
import { defaultStateDir } from '../../core/state-dir.js';
import { parseDuration } from '../sealed/duration.js';
import { CliUsageError, emit, emitError } from '../output.js';

/** Loaded on use: key generation, ASN.1 and TLS cost the other commands nothing. */
const loadPki = (): Promise<typeof import('../../control/pki/index.js')> => import('../../control/pki/index.js');
const loadPairing = (): Promise<typeof import('../../transport/pairing/index.js')> => import('../../transport/pairing/index.js');

const POLL_MS = 500;
/** Same rules as the pairing request's schema, checked before a key is made. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/;
const TAG = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** DESIGN.md's exit codes: 4 refused or not trustworthy, 5 out of time, 1 the control host was not reached. */
const EXIT_BY_CODE: Readonly<Record<string, number>> = { PAIRING_TIMEOUT: 5, PAIRING_UNREACHABLE: 1, PAIRING_CANCELLED: 1, OPTION_INVALID: 2 };
const REFUSED_EXIT = 4;

interface RequestPairingFlags {
  control: string;
  name: string;
  address: string;
  tags?: string;
  out?: string;
  timeout: string;
  json?: boolean;
}

interface PairingFiles {
  readonly key: string;
  readonly cert: string;
  readonly ca: string;
}

function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Not empty (someone else put files there) or already gone: either way not ours to remove.
  }
}

function checkFlags(flags: RequestPairingFlags): { tags: string[]; timeoutMs: number } {
  if (!NAME.test(flags.name)) throw new CliUsageError('OPTION_INVALID', `--name must match ${String(NAME)}, got "${flags.name.slice(0, 80)}"`);
  if (!/^[^\s/]+:\d{1,5}$/.test(flags.address)) throw new CliUsageError('OPTION_INVALID', `--address must be host:port (where the control host reaches this agent), got "${flags.address.slice(0, 80)}"`);
  const tags = flags.tags === undefined || flags.tags === '' ? [] : flags.tags.split(',').map((t) => t.trim());
  for (const tag of tags) if (!TAG.test(tag)) throw new CliUsageError('OPTION_INVALID', `--tags: "${tag.slice(0, 80)}" is not a tag (letters, digits, . _ -)`);
  return { tags, timeoutMs: parseDuration('--timeout', flags.timeout) };
}

async function requestPairingAction(flags: RequestPairingFlags): Promise<void> {
  const { tags, timeoutMs } = checkFlags(flags);
  const out = flags.out ?? join(defaultStateDir(), 'pairing');
  const files: PairingFiles = { key: join(out, 'agent.key'), cert: join(out, 'agent.crt'), ca: join(out, 'control-ca.pem') };
  // Files from an earlier pairing are someone's working identity: never replaced, never deleted here.
  const existing = [files.key, files.cert, files.ca].filter((path) => existsSync(path));
  if (existing.length > 0) throw new CliUsageError('PAIRING_FILES_EXIST', `${existing.join(', ')} exist; move them away or choose another --out`);
  const [{ createCsr, generatePkiKeyPair }, { requestPairing }] = await Promise.all([loadPki(), loadPairing()]);
  const madeOut = !existsSync(out);
  mkdirSync(out, { recursive: true, mode: 0o700 });
  const keys = generatePkiKeyPair('ec-p256');
  writeNewFileDurably(files.key, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 0o600);
  const created = [files.key];
  const cancel = new AbortController();
  const onSignal = (): void => {
    cancel.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await requestPairing({
      control: flags.control,
      body: { name: flags.name, csr: createCsr({ privateKey: keys.privateKey, publicKey: keys.publicKey, commonName: flags.name }), tags, address: flags.address },
      agentPublicKey: keys.publicKey,
      onCode: (code, caFingerprint) => {
        emit(flags.json ? JSON.stringify({ event: 'pairing.code', code, caFingerprint }) : `pairing code: ${code} — check that the control host shows the same code\ncontrol CA: ${caFingerprint}\nwaiting for the operator's decision...`);
      },
      pollMs: POLL_MS,
      timeoutMs,
      signal: cancel.signal,
    });
    // The CA is pinned only now, after the operator approved the request this agent made.
    writeNewFileDurably(files.cert, result.certificatePem, 0o644);
    created.push(files.cert);
    writeNewFileDurably(files.ca, result.caPem, 0o644);
    created.push(files.ca);
    report(files, flags.json === true);
  } catch (err) {
    // Denied, expired, refused or failed: the key is useless without its certificate, so nothing is left.
    for (const path of created.reverse()) rmSync(path, { force: true });
    if (madeOut) removeIfEmpty(out);
    if (!(err instanceof WritError)) throw err;
    emitError(err.code, err.message);
    process.exitCode = EXIT_BY_CODE[err.code] ?? REFUSED_EXIT;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function report(files: PairingFiles, json: boolean): void {
  const https = { cert: files.cert, key: files.key, clientCa: files.ca };
  if (json) {
    emit(JSON.stringify({ event: 'pairing.approved', files, https }));
    return;
  }
  emit(
    [
      `paired: certificate ${files.cert}, key ${files.key}, control CA ${files.ca}`,
      'use them in the agent configuration:',
      'https:',
      `  cert: ${https.cert}`,
      `  key: ${https.key}`,
      `  clientCa: ${https.clientCa}`,
    ].join('\n'),
  );
}

/** `writ agent request-pairing`: ask a control host for a certificate, confirmed by a code on both screens. */
export function requestPairingCommand(): Command {
  return new Command('request-pairing')
    .description("ask a control host to pair: make this agent's key, show a code to compare with the control host's screen, and wait for approval")
    .requiredOption('--control <host:port>', 'the control host (writ control serve)')
    .requiredOption('--name <name>', "this agent's name (its certificate is bound to writ:host:<name>)")
    .requiredOption('--address <host:port>', "where the control host reaches this agent's HTTPS transport")
    .option('--tags <a,b>', 'comma-separated tags')
    .option('--out <dir>', 'where agent.key, agent.crt and control-ca.pem go (default: <state dir>/pairing)')
    .option('--timeout <duration>', 'how long to wait for the operator, e.g. 90s, 10m', '10m')
    .option('--json', 'print JSON lines (pairing.code, pairing.approved)')
    .addHelpText(
      'after',
      '\nThe control CA is written (pinned) only after approval. Nothing is left behind when pairing fails.\nExit codes: 0 paired, 1 control host unreachable or cancelled, 2 usage, 4 closed, denied, expired or not trustworthy, 5 timeout.',
    )
    .action(requestPairingAction);
}
