import { Command } from 'commander';
import { CliUsageError, emit } from '../output.js';
import { requestPairingCommand } from './agent-pairing.js';

const CONFIG_HELP = 'agent configuration (.yaml, .yml, .toml or .json; see deploy/agent.example.yaml)';

/** Loaded on use: the agent's dependencies (HTTP server, SQLite, metrics) cost `writ run` nothing. */
const loadAgent = (): Promise<typeof import('../../agent/index.js')> => import('../../agent/index.js');

async function runAgent(configPath: string): Promise<void> {
  const { Agent, transportsFor } = await loadAgent();
  const agent = Agent.create({ configPath, transports: transportsFor });
  await agent.start();
  await new Promise<void>((resolve) => {
    process.on('SIGHUP', () => {
      agent.reload();
    });
    const stop = (): void => {
      void agent.shutdown().then(resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

/** `writ agent --config FILE` and `writ agent self-check --config FILE`. */
export function agentCommand(): Command {
  const selfCheckCommand = new Command('self-check')
    .description('check config, keys, trust, ceiling, store and transports: one line each, OK or why not')
    .requiredOption('--config <file>', CONFIG_HELP)
    .option('--json', 'print the checks as a JSON array')
    .action(async (flags: { config: string; json?: boolean }) => {
      const { selfCheck } = await loadAgent();
      const lines = await selfCheck(flags.config);
      emit(flags.json ? JSON.stringify(lines) : lines.map((l) => `${l.ok ? 'OK  ' : 'FAIL'} ${l.name}: ${l.detail}`).join('\n'));
      if (lines.some((l) => !l.ok)) process.exitCode = 1;
    });
  return new Command('agent')
    .description('the daemon on a managed host: takes writs over its transports, verifies them exactly as writ run does, runs them and keeps a durable record')
    .option('--config <file>', CONFIG_HELP)
    // Options after `self-check` belong to it, not to `agent` (both have --config).
    .enablePositionalOptions()
    .addHelpText('after', '\nSignals: SIGHUP reloads config, trust and ceiling without dropping runs; SIGTERM drains (accepted runs finish) and exits.')
    .addCommand(selfCheckCommand)
    .addCommand(requestPairingCommand())
    .action(async (flags: { config?: string }) => {
      if (!flags.config) throw new CliUsageError('OPTION_MISSING', 'writ agent needs --config FILE (see writ agent --help)');
      await runAgent(flags.config);
    });
}
