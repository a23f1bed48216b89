import type { Command } from 'commander';
import { DEFAULT_CLOCK_SKEW_MS, DEFAULT_MAX_BUNDLE_BYTES } from '../../bundle/defaults.js';
import { CliUsageError } from '../output.js';
import { collect } from './duration.js';
import type { WritSource } from './read-writ.js';

/** The flags `writ run` and `writ verify` share for sealed writs. */
export interface VerifyFlags {
  bundle?: string;
  sig?: string;
  cert?: string;
  trust: string[];
  revoked?: string;
  hostName?: string;
  tag: string[];
  clockSkew?: string;
  replayStore?: string;
  allowRerun?: boolean;
  maxWritBytes?: string;
}

export function addVerifyFlags(cmd: Command): Command {
  return cmd
    .option('--bundle <file>', 'a detached bundle.tar.gz (with --sig), e.g. made by tar czf')
    .option('--sig <file>', "the bundle's detached signature (openssl dgst -sha256 -sign key.pem -out bundle.sig bundle.tar.gz)")
    .option('--cert <file>', 'with --bundle: the signer certificate chain (PEM, leaf first) when --trust is a CA')
    .option('--trust <path>', 'trusted signer: a PEM public key, a directory of them, or a CA certificate (repeatable)', collect, [])
    .option('--revoked <file>', 'revocation list: lines of sha256:<key fingerprint> or serial:<hex>')
    .option('--host-name <name>', "this host's name for the writ's audience (default: the system host name)")
    .option('--tag <tag>', "this host's tags for the writ's audience (repeatable)", collect, [])
    .option('--clock-skew <seconds>', `tolerance for notBefore/expiry and certificate validity (default ${DEFAULT_CLOCK_SKEW_MS / 1000})`)
    .option('--replay-store <dir>', 'where seen nonces are kept (default $WRIT_STATE_DIR/replay, else ~/.local/state/writ/replay)')
    .option('--allow-rerun', 'let a manifest-less bundle run again (writs with a manifest are always once only)')
    .option('--max-writ-bytes <n>', `largest bundle accepted (default ${DEFAULT_MAX_BUNDLE_BYTES})`);
}

/** Which writ the command names; `positional` is the `.writ` path or `-`. */
export function resolveWritSource(positional: string | undefined, flags: VerifyFlags): WritSource {
  if (flags.bundle !== undefined || flags.sig !== undefined) {
    if (positional !== undefined) throw new CliUsageError('OPTION_CONFLICT', 'give either a .writ file or --bundle with --sig, not both');
    if (flags.bundle === undefined || flags.sig === undefined) throw new CliUsageError('OPTION_MISSING', '--bundle and --sig go together');
    return { kind: 'detached', bundle: flags.bundle, sig: flags.sig, ...(flags.cert !== undefined ? { cert: flags.cert } : {}) };
  }
  if (flags.cert !== undefined) throw new CliUsageError('OPTION_CONFLICT', '--cert is for detached bundles; a .writ carries its own chain');
  if (positional === undefined) throw new CliUsageError('OPTION_MISSING', 'name a .writ file, - for standard input, or --bundle with --sig');
  return positional === '-' ? { kind: 'stdin' } : { kind: 'file', path: positional };
}
