import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { parseHostPort } from '../../core/host-port.js';
import { parseDuration, parseWhole } from '../sealed/duration.js';
import { CONTROL_DIR_HELP, defaultControlDir } from './control-dir.js';

/** Loaded on use: Fastify, SQLite and PostgreSQL cost the other commands nothing. */
const loadServer = (): Promise<typeof import('../../control/server/index.js')> => import('../../control/server/index.js');
const loadRegistry = (): Promise<typeof import('../../control/registry/index.js')> => import('../../control/registry/index.js');

interface ServeFlags {
  dir?: string;
  listen: string;
  registry?: string;
  pairingTtl: string;
  authHook?: string;
  authHookTimeout: string;
  renewalCheck: string;
  agentValidityDays: string;
}

async function serve(flags: ServeFlags): Promise<void> {
  const dir = flags.dir ?? defaultControlDir();
  const listen = parseHostPort(flags.listen, '--listen', true);
  const pairingTtlMs = parseDuration('--pairing-ttl', flags.pairingTtl);
  const renewalCheckMs = parseDuration('--renewal-check', flags.renewalCheck);
  const agentValidityDays = parseWhole('--agent-validity-days', flags.agentValidityDays, 1, 3650);
  const [{ ControlServer, createControlLogger, localUrlOf, removeServerFile, writeServerFile }, { openRegistry }] = await Promise.all([loadServer(), loadRegistry()]);
  const { checkAuthHookOptions } = await import('../../control/auth-hook/index.js');
  // Checked here, once: a hook that cannot be used must stop the start, not deny every request later.
  const authHook = flags.authHook === undefined ? undefined : checkAuthHookOptions({ path: resolve(flags.authHook), args: [], timeoutMs: parseDuration('--auth-hook-timeout', flags.authHookTimeout) });
  const log = createControlLogger();
  const registry = await openRegistry(flags.registry ?? join(dir, 'registry.db'));
  let server: import('../../control/server/index.js').ControlServer;
  try {
    // Written before `control.started` is logged: a command that finds the file finds a live server.
    const onListening = (address: string): void => {
      writeServerFile(dir, localUrlOf(address));
    };
    server = await ControlServer.start({ caDir: dir, listen, registry, pairingTtlMs, renewalCheckMs, agentValidityDays, log, onListening, ...(authHook ? { authHook } : {}) });
  } catch (err) {
    await registry.close();
    throw err;
  }
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  removeServerFile(dir);
  await server.close();
  await registry.close();
  log.info({ event: 'control.stopped' });
}

/** `writ control serve`: the control host's HTTPS server (pairing and the operator API). */
export function serveCommand(): Command {
  return new Command('serve')
    .description("run the control host's HTTPS server: agents pair through it; operators use its API (token or control certificate)")
    .option('--dir <dir>', CONTROL_DIR_HELP)
    .option('--listen <host:port>', 'address to listen on (port 0: any free port)', '127.0.0.1:7800')
    .option('--registry <path|url>', 'SQLite file or postgres:// URL of the registry (default: <dir>/registry.db)')
    .option('--pairing-ttl <duration>', 'how long a pairing request waits for a decision, e.g. 90s, 10m', '10m')
    .option('--auth-hook <path>', 'executable asked before every fleet run and ping: the request as JSON on stdin; exit 0 allows, anything else denies')
    .option('--auth-hook-timeout <duration>', 'a hook that has not answered by then denies', '5s')
    .option('--renewal-check <duration>', 'how often agents are asked whether their certificate is past half its lifetime (then renewed)', '1h')
    .option('--agent-validity-days <n>', 'lifetime of agent certificates issued at pairing and renewal', '90')
    .addHelpText(
      'after',
      '\nWrites <dir>/server.json (the URL) for the other control commands and creates <dir>/api.token (0600) when missing.\nLogs one JSON line per event on stdout. SIGTERM or SIGINT stops it cleanly.',
    )
    .action(serve);
}
