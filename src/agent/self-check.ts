import { createPrivateKey, X509Certificate } from 'node:crypto';
import { accessSync, constants, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { DirectoryReplayStore } from '../bundle/index.js';
import { defaultStateDir } from '../core/state-dir.js';
import { messageOf } from '../core/errors.js';
import { loadAgentConfig, type AgentConfig } from './config/index.js';
import { buildRuntime } from './runtime.js';
import { SqliteRunStore } from './store/index.js';
import { probeNats } from '../transport/nats/index.js';
import { probeS3 } from '../transport/s3/index.js';
import { natsOptionsFor, parseListen, s3OptionsFor } from './transports.js';

export interface CheckLine {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

function check(name: string, fn: () => string): CheckLine {
  try {
    return { name, ok: true, detail: fn() };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return { name, ok: false, detail: `${typeof code === 'string' ? `${code}: ` : ''}${messageOf(err)}` };
  }
}

function portFree(listen: string): Promise<CheckLine> {
  const { host, port } = parseListen(listen);
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      resolve({ name: 'https listen', ok: false, detail: `${listen}: ${err.code ?? err.message}` });
    });
    server.listen({ host, port }, () => {
      server.close(() => {
        resolve({ name: 'https listen', ok: true, detail: `${listen} is free` });
      });
    });
  });
}

function fail(reason: string): never {
  throw new Error(reason);
}

async function checkAsync(name: string, fn: () => Promise<string>): Promise<CheckLine> {
  try {
    return { name, ok: true, detail: await fn() };
  } catch (err) {
    return check(name, () => {
      throw err;
    });
  }
}

/** The object store and the message broker: reached and listed, nothing written. */
async function remoteTransportChecks(c: AgentConfig): Promise<CheckLine[]> {
  const out: CheckLine[] = [];
  const s3 = c.s3 ? s3OptionsFor(c) : null;
  if (s3) out.push(await checkAsync('s3', () => probeS3(s3)));
  // Resolving the options reads the token file: a failure there is this line's, not the whole check's.
  if (c.nats) out.push(await checkAsync('nats', () => probeNats(natsOptionsFor(c) ?? fail('no nats section'))));
  return out;
}

/** `writ agent self-check`: one line per part, OK or why not; nothing is started or changed. */
export async function selfCheck(configPath: string): Promise<CheckLine[]> {
  let config: AgentConfig | null = null;
  const lines: CheckLine[] = [
    check('config', () => {
      config = loadAgentConfig(configPath);
      return configPath;
    }),
  ];
  const c = config as AgentConfig | null;
  if (!c) return lines;
  lines.push(
    check('trust, revocations, ceiling', () => {
      const rt = buildRuntime(c);
      return `${rt.trust.keys.length} key(s), ${rt.trust.authorities.length} CA(s), ${rt.revocations.keys.size + rt.revocations.serials.size} revoked, ceiling ${rt.ceiling ? rt.ceiling.path : 'none'}; audience ${rt.host.name}${rt.host.tags.length ? ` +tags ${rt.host.tags.join(',')}` : ''}`;
    }),
  );
  const stateDir = c.stateDir ?? defaultStateDir();
  lines.push(
    check('state dir', () => {
      mkdirSync(stateDir, { recursive: true, mode: 0o700 });
      accessSync(stateDir, constants.W_OK);
      return `${stateDir} is writable`;
    }),
    check('run store', () => {
      const store = SqliteRunStore.open(join(stateDir, 'runs.db'));
      try {
        const s = store.stats();
        return `${join(stateDir, 'runs.db')}: ${s.runs} runs, ${s.outputBytes} output bytes`;
      } finally {
        store.close();
      }
    }),
    check('replay store', () => {
      new DirectoryReplayStore(join(stateDir, 'replay')).seen('self-check', new Date());
      return join(stateDir, 'replay');
    }),
  );
  const https = c.https;
  const drop = c.dirDrop;
  if (!https && !drop && !c.s3 && !c.nats) {
    lines.push({ name: 'transports', ok: false, detail: 'no transport configured (add an https, dirDrop, s3 or nats section)' });
    return lines;
  }
  lines.push(...(await remoteTransportChecks(c)));
  if (drop) {
    lines.push(
      check('dir-drop', () => {
        if (resolve(drop.inbox) === resolve(drop.outbox)) throw new Error('inbox and outbox must be different directories');
        for (const dir of [drop.inbox, drop.outbox]) {
          mkdirSync(dir, { recursive: true, mode: 0o700 });
          // A link could send results (or take writs) from anywhere: refused by the transport too.
          if (lstatSync(dir).isSymbolicLink()) throw new Error(`${dir} is a symbolic link`);
          accessSync(dir, constants.W_OK);
        }
        return `inbox ${drop.inbox}, outbox ${drop.outbox}, every ${drop.pollMs} ms`;
      }),
    );
  }
  if (!https) return lines;
  lines.push(
    check('https certificate', () => {
      const cert = new X509Certificate(readFileSync(https.cert));
      // The key must be the certificate's, or every TLS handshake would fail at run time.
      if (!cert.checkPrivateKey(createPrivateKey(readFileSync(https.key)))) throw new Error(`${https.key} is not the key of ${https.cert}`);
      return `${cert.subject.replace(/\n/g, ', ')}, valid to ${cert.validTo}${https.clientCa ? `; client certificates required (${https.clientCa}, URI ${https.clientUri})` : ''}`;
    }),
    await portFree(https.listen),
  );
  return lines;
}
