/**
 * What the transport contract suite needs of one transport: a way to deliver a `.writ` through
 * the transport's own medium (an HTTP request, a file, an object, a message) and to read back what
 * a caller on the far side would see. Everything goes through the real medium; nothing peeks into
 * the agent.
 */

/** What a caller sees once the transport says the run is final. */
export interface FinalResult {
  /** The exit code as the transport reports it; null for a final run without one. */
  readonly exitCode: number | null;
  /** The run's output, every byte, as the transport delivers it. */
  readonly log: Buffer;
  /** The refusal or failure code, when the transport reports one. */
  readonly errorCode: string | null;
}

export interface Delivery {
  /** Resolves once the transport marks the result final (its commit marker), or rejects on timeout. */
  final(timeoutMs?: number): Promise<FinalResult>;
  /** Output visible so far while the run may still be going, and whether the result is final yet. */
  progress(): Promise<{ readonly log: Buffer; readonly final: boolean }>;
}

export interface TransportHarness {
  readonly name: string;
  /** YAML lines for the agent config that enable this transport (the suite adds trust and state). */
  readonly configYaml: string;
  deliver(writ: Uint8Array, label: string): Promise<Delivery>;
  /** Releases servers, connections and directories the harness made. */
  close(): Promise<void>;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it returns a value, or fails with `what` after `timeoutMs`. */
export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}
