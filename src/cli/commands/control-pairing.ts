import { Command } from 'commander';
import { parseWhole } from '../sealed/duration.js';
import { emit } from '../output.js';
import { CONTROL_DIR_HELP, defaultControlDir } from './control-dir.js';
import { runPairingSession } from './pairing-session.js';

/** Loaded on use, and without Fastify: the client needs only node:https. */
const loadClient = async (dir: string): Promise<InstanceType<typeof import('../../control/server/operator-client.js').OperatorClient>> =>
  (await import('../../control/server/operator-client.js')).OperatorClient.fromDir(dir);

/** Same bound as the server's (MAX_PAIRING_MINUTES), kept here so `--help` loads nothing. */
const MAX_MINUTES = 24 * 60;

interface DirFlags {
  dir?: string;
  json?: boolean;
}

async function approve(code: string, flags: DirFlags): Promise<void> {
  const agent = await (await loadClient(flags.dir ?? defaultControlDir())).approve(code);
  emit(flags.json ? JSON.stringify({ agent }) : `approved ${agent.name} (${agent.address}${agent.tags.length > 0 ? `, tags ${agent.tags.join(',')}` : ''}): certificate serial ${agent.certSerial}, valid until ${agent.certNotAfter}`);
}

async function deny(code: string, flags: DirFlags): Promise<void> {
  const denied = await (await loadClient(flags.dir ?? defaultControlDir())).deny(code);
  emit(flags.json ? JSON.stringify({ denied }) : `denied ${denied.name} (${denied.code}); nothing of the request is kept`);
}

async function pairingMode(flags: DirFlags & { minutes: string }): Promise<void> {
  const minutes = parseWhole('--minutes', flags.minutes, 1, MAX_MINUTES);
  const client = await loadClient(flags.dir ?? defaultControlDir());
  // Prompts only where a person can answer them; pipes and --json get one JSON line per request.
  const interactive = flags.json !== true && process.stdin.isTTY && process.stdout.isTTY;
  await runPairingSession(client, minutes, interactive);
}

export function pairingModeCommand(): Command {
  return new Command('pairing-mode')
    .description('let agents ask to pair for a while; show each request with its code and approve or deny it')
    .option('--dir <dir>', CONTROL_DIR_HELP)
    .option('--minutes <n>', 'how long pairing stays open', '10')
    .option('--json', 'no prompts: print each new request as a JSON line (approve with writ control approve CODE)')
    .addHelpText('after', '\nOn a terminal it asks "approve? [y/N]" for each request; compare the code with the one the agent shows.\nCtrl-C (or the end of the window) turns pairing mode off.')
    .action(pairingMode);
}

export function approveCommand(): Command {
  return new Command('approve')
    .description('approve the pending pairing request showing CODE: issue its certificate and register the agent')
    .argument('<code>', 'the pairing code, e.g. 7K3Q-M9XD (case, spaces and dashes do not matter)')
    .option('--dir <dir>', CONTROL_DIR_HELP)
    .option('--json', 'print the registered agent as JSON')
    .addHelpText('after', '\nExit codes: 0 approved, 2 no pending request shows the code (PAIRING_NOT_FOUND) or another error.')
    .action(approve);
}

export function denyCommand(): Command {
  return new Command('deny')
    .description('deny the pending pairing request showing CODE; nothing of it is kept')
    .argument('<code>', 'the pairing code')
    .option('--dir <dir>', CONTROL_DIR_HELP)
    .option('--json', 'print what was denied as JSON')
    .action(deny);
}
