import { Command } from 'commander';
import { manifestToJson } from '../../bundle/manifest.js';
import { emit, emitError } from '../output.js';
import { addVerifyFlags, type VerifyFlags } from '../sealed/verify-flags.js';

const EXIT_REJECTED = 4;

/** `writ verify`: every check `writ run` makes (replay included, without recording), and no run. */
export function verifyCommand(): Command {
  const cmd = new Command('verify')
    .description('check a sealed writ exactly as writ run would (signature, trust, revocation, contents, expiry, audience, replay) without running it')
    .argument('[writ]', '.writ file, or - for standard input');
  return addVerifyFlags(cmd)
    .option('--json', 'print {verified, signer, digest, manifest, files} or {verified: false, error}')
    .addHelpText('after', '\nExit codes: 0 verified, 2 usage, 4 rejected (the error code says why: SIGNATURE_INVALID, UNTRUSTED_SIGNER, REVOKED, EXPIRED, ...).')
    .action(async (positional: string | undefined, flags: VerifyFlags & { json?: boolean }) => {
      const { openSealedWrit } = await import('../sealed/open-sealed.js');
      const opened = await openSealedWrit(positional, flags, 'check');
      if (!opened.ok) {
        process.exitCode = EXIT_REJECTED;
        if (flags.json) emit(JSON.stringify({ verified: false, error: { code: opened.code, message: opened.message } }));
        else emitError(opened.code, opened.message);
        return;
      }
      const { writ } = opened;
      const files = [...writ.files].map(([path, bytes]) => ({ path, bytes: bytes.length })).sort((a, b) => a.path.localeCompare(b.path));
      if (flags.json) {
        emit(JSON.stringify({ verified: true, signer: writ.signer, digest: writ.digest, manifest: writ.manifest ? manifestToJson(writ.manifest) : null, entry: writ.entry, files }));
        return;
      }
      const m = writ.manifest;
      const who = writ.signer.kind === 'certificate' ? `certificate ${writ.signer.subject ?? ''} (serial ${writ.signer.serial ?? '?'}) under ${writ.signer.anchor ?? '?'}` : `key ${writ.signer.fingerprint}`;
      emit(
        [
          `verified: signed by ${who}`,
          m ? `writ ${m.id}: ${m.entry} (${m.language}), valid ${m.notBefore.toISOString()} to ${m.expiresAt.toISOString()}, audience ${m.audience.length > 0 ? m.audience.join(', ') : 'any host'}` : `bundle without manifest: ${writ.entry}, digest ${writ.digest}`,
          ...files.map((f) => `  ${f.path} (${f.bytes} bytes)`),
        ].join('\n'),
      );
    });
}
