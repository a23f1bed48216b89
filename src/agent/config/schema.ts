import { z } from 'zod';
import { RUN_LIMIT_BOUNDS } from '../../core/run-limit-bounds.js';
import { DEFAULT_LIMITS } from '../../runner/index.js';

/**
 * The agent's configuration file (YAML or TOML). Every option has a default except the trust
 * paths and the TLS key pair: an agent with no trust would run nothing, and one without TLS must not
 * listen. Unknown keys are errors, so a misspelt option is never silently ignored.
 */
const limit = (min: number, max: number, fallback: number) => z.number().int().min(min).max(max).default(fallback);
const prefix = (fallback: string) =>
  z.string().max(512).regex(/^[^/].*\/$/, 'a key prefix ending in / (not starting with /)').default(fallback);
const streamName = (fallback: string) => z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a JetStream stream name of A-Z a-z 0-9 _ -').default(fallback);
const runLimit = ([min, max]: readonly [number, number], fallback: number) => limit(min, max, fallback);

export const AgentConfigSchema = z
  .object({
    host: z
      .object({
        /** For the writ audience; default: the system host name. */
        name: z.string().min(1).max(253).optional(),
        tags: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/)).max(64).default([]),
      })
      .strict()
      .prefault({}),
    trust: z
      .object({
        /** PEM public keys, directories of them, or CA certificates (as `writ run --trust`). */
        paths: z.array(z.string().min(1)).min(1),
        revoked: z.string().min(1).optional(),
        clockSkewSeconds: limit(0, 3600, 60),
        allowRerun: z.boolean().default(false),
        maxWritBytes: limit(1, 4 * 1024 ** 3, 64 * 1024 * 1024),
      })
      .strict(),
    /** The host owner's Cedar policy; every operation needs it AND the writ's policy. */
    ceiling: z.string().min(1).optional(),
    /** Host caps on what a writ's manifest may ask for (names of `writ run`'s flags). */
    limits: z
      .object({
        timeout: runLimit(RUN_LIMIT_BOUNDS.timeoutMs, DEFAULT_LIMITS.timeoutMs),
        memory: runLimit(RUN_LIMIT_BOUNDS.memoryMiB, DEFAULT_LIMITS.memoryMiB),
        maxOps: runLimit(RUN_LIMIT_BOUNDS.maxOps, DEFAULT_LIMITS.maxOps),
        maxOutput: runLimit(RUN_LIMIT_BOUNDS.maxOutputBytes, DEFAULT_LIMITS.maxOutputBytes),
      })
      .strict()
      .prefault({}),
    runs: z
      .object({
        /** Runs executing at once (worker threads); default: the number of CPUs. */
        concurrency: z.number().int().min(1).max(256).optional(),
        /** Accepted runs waiting for a worker; beyond it submissions are refused with QUEUE_FULL. */
        queue: limit(0, 100_000, 1000),
      })
      .strict()
      .prefault({}),
    /** Where the run store and the replay store live; default $WRIT_STATE_DIR or ~/.local/state/writ. */
    stateDir: z.string().min(1).optional(),
    retention: z
      .object({
        maxAgeDays: limit(1, 3650, 30),
        maxBytes: limit(1024 * 1024, 2 ** 50, 1024 ** 3),
      })
      .strict()
      .prefault({}),
    https: z
      .object({
        /** host:port; loopback by default, so exposing the agent is a deliberate choice. */
        listen: z.string().regex(/^[^\s]+:\d{1,5}$/).default('127.0.0.1:7443'),
        cert: z.string().min(1),
        key: z.string().min(1),
        /** When set, clients must present a certificate from this CA (paired to a control host). */
        clientCa: z.string().min(1).optional(),
        /**
         * Used only with clientCa: the URI subjectAltName a client certificate must also carry. The
         * control CA certifies every agent too, so the CA alone would let one agent drive another;
         * `writ:control` (the control CA's mark for the control host) names the one allowed role.
         * No commas, quotes, backslashes or spaces: Node shows such URIs escaped, so none could match.
         */
        clientUri: z
          .string()
          .max(512)
          .regex(/^[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9._~:/?#@!$&()*+;=%-]+$/, 'a URI such as writ:control')
          .default('writ:control'),
      })
      .strict()
      .optional(),
    /** A watched inbox: a complete .writ dropped there runs once; results appear in the outbox. */
    dirDrop: z
      .object({
        inbox: z.string().min(1),
        outbox: z.string().min(1),
        /** Polled, not only watched: inotify misses changes on network and removable file systems. */
        pollMs: limit(50, 60_000, 500),
      })
      .strict()
      .optional(),
    /** An S3-compatible object store: `<inboxPrefix><name>.writ` objects run once; results under `<outboxPrefix><name>/`. */
    s3: z
      .object({
        /** e.g. `http://127.0.0.1:9000`; default: AWS's endpoint for the region. */
        endpoint: z.url().optional(),
        region: z.string().min(1).default('us-east-1'),
        bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name: 3-63 of a-z 0-9 . -'),
        /** Most S3-compatible servers need path-style addressing. */
        forcePathStyle: z.boolean().default(false),
        inboxPrefix: prefix('inbox/'),
        outboxPrefix: prefix('outbox/'),
        pollMs: limit(100, 600_000, 1000),
        /** aws-rce re-uploads the growing log at least once a second. */
        logFlushMs: limit(100, 1000, 1000),
      })
      .strict()
      .optional(),
    /** NATS JetStream: writs published to `<subjectPrefix>.run.host.<host>` or `.run.tag.<tag>` run once, even if sent while the agent was down. */
    nats: z
      .object({
        servers: z.array(z.string().regex(/^(nats|tls):\/\/\S+$/, 'a NATS URL such as nats://127.0.0.1:4222')).min(1).default(['nats://127.0.0.1:4222']),
        subjectPrefix: z.string().regex(/^[A-Za-z0-9_-]+$/, 'one subject token of A-Z a-z 0-9 _ -').default('writ'),
        runsStream: streamName('WRIT_RUNS'),
        resultsStream: streamName('WRIT_RESULTS'),
        /** Create the streams if missing; otherwise an operator creates them (and the agent needs fewer rights). */
        createStreams: z.boolean().default(false),
        /** Durable consumer name; default `writ-agent-<host>`. */
        durable: z.string().regex(/^[A-Za-z0-9_-]+$/).optional(),
        /** A NATS `.creds` file, or a file holding a token: secrets stay out of this file. */
        credsFile: z.string().min(1).optional(),
        tokenFile: z.string().min(1).optional(),
        tls: z
          .object({ ca: z.string().min(1).optional(), cert: z.string().min(1).optional(), key: z.string().min(1).optional() })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    log: z
      .object({ level: z.enum(['debug', 'info', 'warn', 'error']).default('info') })
      .strict()
      .prefault({}),
  })
  .strict();

export type AgentConfigInput = z.input<typeof AgentConfigSchema>;
export type AgentConfig = z.output<typeof AgentConfigSchema>;
