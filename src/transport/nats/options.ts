/** Resolved options of the NATS JetStream transport (the agent config's `nats:` section). */
export interface NatsTransportOptions {
  /** e.g. `['nats://127.0.0.1:4222']`. */
  readonly servers: readonly string[];
  /** This agent's host name and tags: it consumes `<prefix>.run.host.<host>` and `<prefix>.run.tag.<tag>`. */
  readonly hostName: string;
  readonly tags: readonly string[];
  /** First subject token of everything this transport uses (default `writ`). */
  readonly subjectPrefix: string;
  /** Stream holding submitted writs (subjects `<prefix>.run.>`), default `WRIT_RUNS`. */
  readonly runsStream: string;
  /** Stream holding results (subjects `<prefix>.result.>`), default `WRIT_RESULTS`. */
  readonly resultsStream: string;
  /** Create both streams if missing (needs the rights to); otherwise they must exist. */
  readonly createStreams: boolean;
  /** Durable consumer name; default `writ-agent-<host token>`. */
  readonly durable: string;
  /** Optional credentials: a NATS `.creds` file, or a token. */
  readonly credsFile?: string;
  readonly token?: string;
  /** Optional TLS: CA to trust, client certificate and key. */
  readonly tls?: { readonly ca?: string; readonly cert?: string; readonly key?: string };
  /** The agent's largest writ size; larger messages are refused unread. */
  readonly maxBytes: number;
  /** Where pending deliveries are remembered across restarts (a directory the transport owns). */
  readonly stateDir: string;
  readonly onError?: (err: unknown) => void;
}
