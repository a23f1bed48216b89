import { Command } from 'commander';
import { emit } from '../output.js';
import { CONTROL_DIR_HELP, defaultControlDir } from './control-dir.js';

/** Loaded on use, and without Fastify: the client needs only node:https. */
const loadClient = async (dir: string): Promise<InstanceType<typeof import('../../control/server/operator-client.js').OperatorClient>> =>
  (await import('../../control/server/operator-client.js')).OperatorClient.fromDir(dir);

interface DirFlags {
  dir?: string;
  json?: boolean;
}

/** `writ control revoke HOST`: every certificate the agent had is refused from its next handshake on. */
export function revokeCommand(): Command {
  return new Command('revoke')
    .description('revoke a paired agent: the control host refuses its certificates from the next handshake on, and drops open connections to it')
    .argument('<host>', 'the registered agent name')
    .option('--dir <dir>', CONTROL_DIR_HELP)
    .option('--json', 'print the revoked serials as JSON')
    .addHelpText('after', '\nA revoked agent can come back only by pairing again (writ agent request-pairing, then approve).\nExit codes: 0 revoked, 2 no such agent (AGENT_NOT_FOUND) or another error.')
    .action(async (host: string, flags: DirFlags) => {
      const revoked = await (await loadClient(flags.dir ?? defaultControlDir())).revoke(host);
      emit(flags.json ? JSON.stringify({ revoked }) : `revoked ${revoked.name}: serials ${revoked.serials.join(', ')}`);
    });
}

/** `writ control renew [HOST]`: renewal happens by itself; this is for now, or for one agent. */
export function renewCommand(): Command {
  return new Command('renew')
    .description("renew agent certificates over their live mTLS connection: HOST now, or (no HOST) every agent past half its certificate's lifetime")
    .argument('[host]', 'renew this agent now, due or not')
    .option('--dir <dir>', CONTROL_DIR_HELP)
    .option('--json', 'print the outcome as JSON')
    .addHelpText('after', '\nThe control host also checks every agent on a timer (writ control serve --renewal-check) and renews\nthose with less than half their lifetime left. The agent makes the new key itself; it never leaves the agent.\nExit codes: 0 renewed (or nothing due), 1 some agent could not be renewed, 2 usage or unknown agent.')
    .action(async (host: string | undefined, flags: DirFlags) => {
      const client = await loadClient(flags.dir ?? defaultControlDir());
      if (host !== undefined) {
        const renewed = await client.renew(host);
        emit(flags.json ? JSON.stringify({ renewed }) : `renewed ${renewed.name}: serial ${renewed.serial} (was ${renewed.previousSerial}), valid until ${renewed.notAfter}`);
        return;
      }
      const report = await client.renewDue();
      if (flags.json) emit(JSON.stringify(report));
      else {
        const lines = [`checked ${report.checked} agents: ${report.renewed.length} renewed, ${report.failed.length} failed`];
        for (const r of report.renewed) lines.push(`  renewed ${r.name}: serial ${r.serial}, valid until ${r.notAfter}`);
        for (const f of report.failed) lines.push(`  failed  ${f.name}: ${f.code} ${f.message}`);
        emit(lines.join('\n'));
      }
      if (report.failed.length > 0) process.exitCode = 1;
    });
}

/** `writ control rotate-cert`: a new key and certificate for the control host itself. */
export function rotateCertCommand(): Command {
  return new Command('rotate-cert')
    .description("give the running control host a new key and certificate (same names); agents and operators keep working, since they trust the CA and the writ:control role, not one certificate")
    .option('--dir <dir>', CONTROL_DIR_HELP)
    .option('--json', 'print the new serial as JSON')
    .action(async (flags: DirFlags) => {
      const rotated = await (await loadClient(flags.dir ?? defaultControlDir())).rotateControlCertificate();
      emit(flags.json ? JSON.stringify({ rotated }) : `rotated the control certificate: serial ${rotated.serial} (was ${rotated.previousSerial}), valid until ${rotated.notAfter}`);
    });
}
