/**
 * Messages between the SDK (blocked in Atomics.wait on the sandbox thread) and the sync-call worker
 * (which does the asynchronous Node work). Plain structured-clone data only.
 */

export interface HttpGetRequest {
  /** Absolute http(s) URL, already validated and authorized by the caller. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Largest body accepted; beyond it the request is aborted with RESPONSE_TOO_LARGE. */
  readonly maxBytes: number;
  readonly timeoutMs: number;
}

export interface HttpGetResponse {
  readonly status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  /** UTF-8 decoded body; empty for a redirect whose Location the caller will follow. */
  readonly body: string;
}

export interface LookupRequest {
  readonly hostname: string;
  readonly timeoutMs: number;
}

export interface LookupResponse {
  readonly addresses: readonly string[];
}

/** Every operation the worker can do: name -> request and response types. */
export interface OpMap {
  'http.get': { request: HttpGetRequest; response: HttpGetResponse };
  'dns.lookup': { request: LookupRequest; response: LookupResponse };
}

export type OpName = keyof OpMap;

export interface CallMessage {
  readonly kind: 'call';
  readonly id: number;
  readonly op: OpName;
  readonly request: OpMap[OpName]['request'];
}

export interface CancelMessage {
  readonly kind: 'cancel';
  readonly id: number;
}

export type ToWorker = CallMessage | CancelMessage;

export interface WorkerFailure {
  readonly code: string;
  readonly message: string;
}

/** id 0 is reserved for "the worker could not start". */
export type FromWorker =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: WorkerFailure };

/** What the bootstrap hands the worker entry. */
export interface WorkerBoot {
  readonly port: import('node:worker_threads').MessagePort;
  /** Int32Array over a SharedArrayBuffer; index 0 counts answers posted, so the caller can wait on it. */
  readonly signal: Int32Array;
}
