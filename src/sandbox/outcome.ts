import type { JsonObject, JsonValue } from '../core/json.js';
import type { HostApi } from './host-api.js';

export type RunStatus = 'succeeded' | 'failed' | 'denied' | 'timeout' | 'limit' | 'rejected';

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly msg: string;
  /** ISO-8601 time the guest logged it. */
  readonly at: string;
}

export interface RunErrorInfo {
  readonly code: string;
  readonly message: string;
  /** Present for AccessDenied. */
  readonly action?: string;
  readonly resource?: string;
}

export interface SandboxLimits {
  readonly timeoutMs: number;
  readonly memoryMiB: number;
  readonly maxOutputBytes: number;
}

export interface SandboxOptions {
  readonly source: string;
  /** Shown in stack traces and syntax errors. */
  readonly filename: string;
  readonly language: 'js' | 'ts';
  readonly args: JsonObject;
  readonly host: HostApi;
  /**
   * Guest-side JavaScript run after the globals are installed and before the script: SDK helpers that
   * need no host privilege (fs.grep, fs.tail, fs.wc) live here so that regular expressions run under
   * the sandbox's interrupt handler, never on the host thread.
   */
  readonly prelude?: string;
  readonly limits: SandboxLimits;
  /** Called as output is produced (for live streaming); must not throw. */
  readonly onOutput?: (chunk: { stream: 'stdout' | 'log'; text: string }) => void;
}

export interface SandboxOutcome {
  readonly status: Exclude<RunStatus, 'rejected'>;
  readonly result: JsonValue;
  readonly error: RunErrorInfo | null;
  readonly stdout: string;
  readonly logs: readonly LogEntry[];
  /** True when stdout/logs were cut at maxOutputBytes. */
  readonly truncated: boolean;
  readonly durationMs: number;
}
