/**
 * What a transport sees of the agent: it hands over opaque bytes and shows runs, nothing more.
 * Transports never verify or trust what they carry; the agent does, identically for every transport.
 */

/** The bytes as they arrived: a `.writ`, or openssl's detached bundle + signature pair. */
export type Submission =
  | { readonly kind: 'writ'; readonly bytes: Uint8Array }
  | { readonly kind: 'detached'; readonly bundle: Uint8Array; readonly signature: Uint8Array };

export type RunStateName = 'queued' | 'running' | 'succeeded' | 'failed' | 'denied' | 'timeout' | 'limit' | 'rejected' | 'interrupted' | 'cancelled';

/** One run as transports show it (and as `GET /v1/runs/{id}` returns it). */
export interface RunView {
  readonly id: string;
  readonly writId: string | null;
  readonly signer: string | null;
  readonly transport: string;
  readonly state: RunStateName;
  readonly done: boolean;
  readonly exitCode: number | null;
  readonly error: { readonly code: string; readonly message: string } | null;
  /** The runner's report (DESIGN.md "Runner output") once the run is final. */
  readonly report: unknown;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly outputBytes: number;
}

export interface LogSlice {
  readonly bytes: Buffer;
  readonly offset: number;
  readonly nextOffset: number;
  /** The run is final and every byte of its log has been returned. */
  readonly done: boolean;
}

export type RunEvent =
  | { readonly type: 'output'; readonly stream: 'stdout' | 'log'; readonly offset: number; readonly text: string }
  | { readonly type: 'finished'; readonly run: RunView };

export type SubmitResult =
  | { readonly accepted: true; readonly run: RunView }
  | { readonly accepted: false; readonly run: RunView | null; readonly error: { readonly code: string; readonly message: string } };

/** The agent's face towards transports. */
export interface RunService {
  submit(submission: Submission, via: string): Promise<SubmitResult>;
  get(id: string): RunView | null;
  readLog(id: string, offset: number, maxBytes: number): LogSlice | null;
  /** Live events of a run from now on; returns the unsubscribe function. */
  watch(id: string, listener: (event: RunEvent) => void): () => void;
  cancel(id: string): 'cancelled' | 'not-found' | 'already-final';
  /** Prometheus text exposition of the agent's metrics. */
  metrics(): Promise<string>;
}

export interface Transport {
  readonly name: string;
  start(service: RunService): Promise<void>;
  /** Where it listens or polls, for logs, e.g. `https://127.0.0.1:7443`; meaningful after start. */
  describe(): string;
  /** Stops taking new work; runs already accepted are the agent's to finish. */
  stop(): Promise<void>;
  /** After the agent drained its runs: resolves once this transport delivered their results (dir-drop's outbox). */
  drained?(): Promise<void>;
}
