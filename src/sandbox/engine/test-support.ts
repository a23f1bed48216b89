/**
 * Shared helpers for the engine's unit tests: a small in-memory HostApi (plain functions, no SDK) and
 * a `run` wrapper with test-friendly defaults.
 */
import { AccessDeniedError, LimitExceededError, SdkError } from '../errors.js';
import type { HostApi, HostValue } from '../host-api.js';
import type { SandboxOptions, SandboxOutcome } from '../outcome.js';
import { runInSandbox } from './run.js';

export interface TestHost {
  readonly api: HostApi;
  /** Every call the host received, with the arguments exactly as the host saw them. */
  readonly calls: { readonly fn: string; readonly args: HostValue[] }[];
}

const READ = { type: 'file_system::Action', id: 'read' };

export function testHost(extra: Record<string, (...args: HostValue[]) => HostValue> = {}): TestHost {
  const calls: TestHost['calls'] = [];
  const record = (fn: string, impl: (...args: HostValue[]) => HostValue) => (...args: HostValue[]): HostValue => {
    calls.push({ fn, args });
    return impl(...args);
  };
  const fs = {
    read: record('read', (path) => {
      if (typeof path !== 'string') throw new SdkError('INVALID_ARGUMENT', 'path must be a string');
      if (path.startsWith('/secret')) throw new AccessDeniedError(READ, { type: 'file_system::File', id: path });
      return `content of ${path}`;
    }),
    readBytes: record('readBytes', () => new Uint8Array([0, 1, 2, 255])),
    echo: record('echo', (...args) => args),
    missing: record('missing', () => {
      throw new SdkError('ENOENT', 'no such file');
    }),
    overLimit: record('overLimit', () => {
      throw new LimitExceededError('OPS_LIMIT', 'operation limit exceeded');
    }),
    crash: record('crash', () => {
      throw new Error('host bug with /private/host/path');
    }),
    ...Object.fromEntries(Object.entries(extra).map(([k, f]) => [k, record(k, f)])),
  };
  return { api: { fs }, calls };
}

export type RunOverrides = Partial<Omit<SandboxOptions, 'limits'>> & { limits?: Partial<SandboxOptions['limits']> };

export function run(source: string, overrides: RunOverrides = {}): Promise<SandboxOutcome> {
  const { limits, ...rest } = overrides;
  return runInSandbox({
    source,
    filename: 'main.js',
    language: 'js',
    args: {},
    host: testHost().api,
    ...rest,
    limits: { timeoutMs: 2000, memoryMiB: 32, maxOutputBytes: 64 * 1024, ...limits },
  });
}
