import { z } from 'zod';
import { RUN_LIMIT_BOUNDS } from '../../core/run-limit-bounds.js';
import { DEFAULT_LIMITS } from '../../runner/index.js';

/**
 * The agent's configuration file (YAML or TOML). Every option has a default except the trust
 * paths and the TLS key pair: an agent with no trust would run nothing, and one without TLS must not
 * listen. Unknown keys are errors, so a misspelt option is never silently ignored.
 */
const limit = (min: number, max: number, fallback: number) => z.number().int().min(min).max(max).default(fallback);
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
    log: z
      .object({ level: z.enum(['debug', 'info', 'warn', 'error']).default('info') })
      .strict()
      .prefault({}),
  })
  .strict();

export type AgentConfigInput = z.input<typeof AgentConfigSchema>;
export type AgentConfig = z.output<typeof AgentConfigSchema>;
