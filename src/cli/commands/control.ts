import { Command, Option } from 'commander';
import { CliUsageError, emit } from '../output.js';
import { defaultControlDir } from './control-dir.js';
import { renewCommand, revokeCommand, rotateCertCommand } from './control-certificates.js';
import { approveCommand, denyCommand, pairingModeCommand } from './control-pairing.js';
import { serveCommand } from './control-serve.js';

/** Loaded on use: key generation and the ASN.1 library cost the other commands nothing. */
const loadPki = (): Promise<typeof import('../../control/pki/index.js')> => import('../../control/pki/index.js');

/** Key types offered by `--key-type` (kept here so `--help` needs no PKI module). */
const KEY_TYPES = ['ec-p256', 'ed25519'] as const;

interface InitFlags {
  dir?: string;
  name?: string;
  keyType: (typeof KEY_TYPES)[number];
  validityDays?: string;
  dns?: string[];
  ip?: string[];
  json?: boolean;
}

export { defaultControlDir } from './control-dir.js';

/** Repeatable options: each use adds one value (no default, so --help shows none). */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function parseDays(raw: string): number {
  // parseInt would take "10x" as 10; only plain digits are a number of days.
  if (!/^[0-9]{1,6}$/.test(raw)) throw new CliUsageError('OPTION_INVALID', `--validity-days must be a whole number of days, got "${raw}"`);
  return Number(raw);
}

async function init(flags: InitFlags): Promise<void> {
  const validityDays = flags.validityDays === undefined ? undefined : parseDays(flags.validityDays);
  const { initCa } = await loadPki();
  const dnsNames = flags.dns ?? [];
  const ips = flags.ip ?? [];
  const given = dnsNames.length > 0 || ips.length > 0;
  const result = initCa({
    dir: flags.dir ?? defaultControlDir(),
    keyType: flags.keyType,
    ...(flags.name === undefined ? {} : { name: flags.name }),
    ...(validityDays === undefined ? {} : { validityDays }),
    ...(given ? { dnsNames, ips } : {}),
  });
  const p = result.paths;
  if (flags.json) {
    emit(
      JSON.stringify({
        dir: p.dir,
        name: result.name,
        keyType: result.keyType,
        fingerprint: result.fingerprint,
        notBefore: result.notBefore.toISOString(),
        notAfter: result.notAfter.toISOString(),
        files: { caCert: p.caCert, caKey: p.caKey, serials: p.serials, controlCert: p.controlCert, controlKey: p.controlKey },
        control: { commonName: result.control.commonName, dnsNames: result.control.dnsNames, ips: result.control.ips, notAfter: result.control.notAfter.toISOString() },
      }),
    );
    return;
  }
  const san = [...result.control.dnsNames.map((d) => `DNS:${d}`), ...result.control.ips.map((i) => `IP:${i}`)].join(', ');
  emit(
    [
      `created CA "${result.name}" (${result.keyType}) in ${p.dir}`,
      `CA certificate  ${p.caCert}   (give this to agents: it is what they trust)`,
      `CA key          ${p.caKey}   (0600, keep private)`,
      `serial ledger   ${p.serials}`,
      `control cert    ${p.controlCert}   (server+client; ${san}; until ${result.control.notAfter.toISOString()})`,
      `control key     ${p.controlKey}   (0600)`,
      `fingerprint     ${result.fingerprint}`,
      `valid           ${result.notBefore.toISOString()} to ${result.notAfter.toISOString()}`,
    ].join('\n'),
  );
}

/** `writ control ...`: the control host: its PKI (`init`), its server (`serve`) and pairing. */
export function controlCommand(): Command {
  const initCommand = new Command('init')
    .description("create the control host's private CA and its own TLS certificate; never overwrites an existing CA")
    .option('--dir <dir>', 'CA directory (default: $WRIT_CONTROL_DIR, else <state dir>/control)')
    .option('--name <name>', 'CA common name (default: "writ control CA")')
    .addOption(new Option('--key-type <type>', 'key type of the CA and the control certificate').choices([...KEY_TYPES]).default('ec-p256'))
    .option('--validity-days <n>', 'CA validity in days (default: 3650)')
    .option('--dns <name>', 'DNS name of the control host for its certificate (repeatable; default: localhost)', collect)
    .option('--ip <addr>', 'IP address of the control host for its certificate (repeatable; default: 127.0.0.1)', collect)
    .option('--json', 'print what was created as JSON')
    .addHelpText('after', '\nWith neither --dns nor --ip, the control certificate names localhost and 127.0.0.1; with either, exactly the names given.\nExit codes: 0 created, 2 usage error or a CA already exists (CA_EXISTS; nothing is changed).')
    .action(init);
  return new Command('control')
    .description('the control host: private CA, pairing, registry, fan-out')
    .enablePositionalOptions()
    .addCommand(initCommand)
    .addCommand(serveCommand())
    .addCommand(pairingModeCommand())
    .addCommand(approveCommand())
    .addCommand(denyCommand())
    .addCommand(revokeCommand())
    .addCommand(renewCommand())
    .addCommand(rotateCertCommand());
}
