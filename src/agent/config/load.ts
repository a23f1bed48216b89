import { readFileSync } from 'node:fs';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import { WritError } from '../../core/errors.js';
import { AgentConfigSchema, type AgentConfig } from './schema.js';

/** The configuration file is unusable: exit 2, naming the file and the field. */
export class AgentConfigError extends WritError {}

function parseText(path: string, text: string): unknown {
  const ext = extname(path).toLowerCase();
  try {
    if (ext === '.toml') return parseToml(text);
    if (ext === '.yaml' || ext === '.yml' || ext === '.json') return parseYaml(text);
  } catch (err) {
    throw new AgentConfigError('CONFIG_INVALID', `${path}: ${err instanceof Error ? err.message.split('\n')[0] ?? '' : String(err)}`, { cause: err });
  }
  throw new AgentConfigError('CONFIG_INVALID', `${path}: use a .yaml, .yml, .toml or .json file`);
}

/** Relative paths in the file are relative to the file, not to wherever the agent was started. */
function absolutize(config: AgentConfig, base: string): AgentConfig {
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));
  return {
    ...config,
    trust: { ...config.trust, paths: config.trust.paths.map(abs), ...(config.trust.revoked ? { revoked: abs(config.trust.revoked) } : {}) },
    ...(config.ceiling ? { ceiling: abs(config.ceiling) } : {}),
    ...(config.stateDir ? { stateDir: abs(config.stateDir) } : {}),
    ...(config.https
      ? { https: { ...config.https, cert: abs(config.https.cert), key: abs(config.https.key), ...(config.https.clientCa ? { clientCa: abs(config.https.clientCa) } : {}) } }
      : {}),
    ...(config.dirDrop ? { dirDrop: { ...config.dirDrop, inbox: abs(config.dirDrop.inbox), outbox: abs(config.dirDrop.outbox) } } : {}),
    ...(config.nats ? { nats: absolutizeNats(config.nats, abs) } : {}),
  };
}

type NatsSection = NonNullable<AgentConfig['nats']>;

function absolutizeNats(nats: NatsSection, abs: (p: string) => string): NatsSection {
  const maybe = <K extends string>(key: K, p: string | undefined): Partial<Record<K, string>> => (p ? ({ [key]: abs(p) } as Record<K, string>) : {});
  const tls = nats.tls ? { tls: { ...maybe('ca', nats.tls.ca), ...maybe('cert', nats.tls.cert), ...maybe('key', nats.tls.key) } } : {};
  return { ...nats, ...maybe('credsFile', nats.credsFile), ...maybe('tokenFile', nats.tokenFile), ...tls };
}

/** Reads and checks the configuration once; everything after works on the resolved, typed value. */
export function loadAgentConfig(path: string): AgentConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new AgentConfigError('CONFIG_NOT_FOUND', `${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const parsed = AgentConfigSchema.safeParse(parseText(path, text) ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new AgentConfigError('CONFIG_INVALID', `${path}: ${problems.join('; ')}`);
  }
  return absolutize(parsed.data, dirname(resolve(path)));
}
