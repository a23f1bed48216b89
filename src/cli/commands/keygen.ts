import { Command, Option } from 'commander';
import { SIGNING_KEY_TYPES, writeSigningKey, type SigningKeyType } from '../../bundle/keys.js';
import { keyFingerprint } from '../../bundle/trust/fingerprint.js';
import { emit } from '../output.js';

interface KeygenFlags {
  out: string;
  type: SigningKeyType;
  force?: boolean;
  json?: boolean;
}

/** `writ keygen`: a signing key pair for `writ seal`; the public half goes to hosts' --trust. */
export function keygenCommand(): Command {
  return new Command('keygen')
    .description('make a signing key pair: KEY.pem (private, mode 0600) and KEY.pub.pem (public, for --trust)')
    .requiredOption('--out <file>', 'private key file to create, e.g. key.pem (the public key goes beside it as key.pub.pem)')
    .addOption(new Option('--type <type>', 'key type').choices([...SIGNING_KEY_TYPES]).default('ed25519'))
    .option('--force', 'overwrite existing key files')
    .option('--json', 'print {privateKey, publicKey, fingerprint} as JSON')
    .action((flags: KeygenFlags) => {
      const written = writeSigningKey(flags.out, flags.type, flags.force === true);
      const fingerprint = keyFingerprint(written.fingerprintSource);
      emit(
        flags.json
          ? JSON.stringify({ privateKey: written.privatePath, publicKey: written.publicPath, type: flags.type, fingerprint })
          : `private key ${written.privatePath} (0600)\npublic key  ${written.publicPath}\nfingerprint ${fingerprint}`,
      );
    });
}
