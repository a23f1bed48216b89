/**
 * Test-only helpers for the fs SDK unit tests (not imported by production code): a Gate that decides
 * by a rule function and records every request, a context, and a fresh temporary directory.
 */
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monotonicMs } from '../../../core/clock.js';
import { WritError } from '../../../core/errors.js';
import { OperationBudget } from '../../budget.js';
import { AccessDeniedError } from '../../errors.js';
import type { AccessRequest, Decision, Gate } from '../../gate.js';
import type { HostFunction } from '../../host-api.js';
import type { SdkContext } from '../context.js';
import { createFsModule } from './index.js';

export type FsName = 'read' | 'readBytes' | 'write' | 'ls' | 'stat' | 'mkdir' | 'rm' | 'cp' | 'mv' | 'chmod' | 'glob';
export type FsApi = Readonly<Record<FsName, HostFunction>>;

/** `(action, 'File' | 'Dir', path, request) => allowed?` */
export type Rule = (act: string, kind: string, path: string, request: AccessRequest) => boolean;

/** "open Dir /tmp/x": one recorded request, short enough to compare whole sequences. */
export function short(request: AccessRequest): string {
  const kind = request.resource.type.replace('file_system::', '');
  return `${request.action.id} ${kind} ${request.resource.id}`;
}

export class RecordingGate implements Gate {
  readonly requests: AccessRequest[] = [];
  rule: Rule;

  constructor(rule: Rule = () => true) {
    this.rule = rule;
  }

  authorize(request: AccessRequest): Decision {
    this.requests.push(request);
    const kind = request.resource.type.replace('file_system::', '');
    return this.rule(request.action.id, kind, request.resource.id, request) ? 'allow' : 'deny';
  }

  /** The recorded requests as "action Kind path" strings. */
  get log(): string[] {
    return this.requests.map(short);
  }

  clear(): void {
    this.requests.length = 0;
  }
}

export interface Harness {
  readonly fs: FsApi;
  readonly gate: RecordingGate;
  readonly ctx: SdkContext;
  readonly budget: OperationBudget;
  /** A fresh directory, already canonical (realpath), so requested and real paths agree in simple cases. */
  readonly dir: string;
  cleanup(): void;
}

export interface HarnessOptions {
  readonly rule?: Rule;
  readonly maxReadBytes?: number;
  readonly maxOps?: number;
}

export function harness(opts: HarnessOptions = {}): Harness {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'writ-fs-')));
  const gate = new RecordingGate(opts.rule);
  const budget = new OperationBudget(opts.maxOps ?? 1_000_000);
  const ctx: SdkContext = {
    gate,
    budget,
    user: { username: 'root', uid: 0, groupname: 'root', gid: 0 },
    deadline: monotonicMs() + 120_000,
    maxReadBytes: opts.maxReadBytes ?? 1024 * 1024,
  };
  return {
    fs: createFsModule(ctx),
    gate,
    ctx,
    budget,
    dir,
    cleanup: () => { rmSync(dir, { recursive: true, force: true }); },
  };
}

/** Rule: deny any request whose path is `p` or lies under it. */
export function denyUnder(...prefixes: string[]): Rule {
  return (_a, _k, path) => !prefixes.some((p) => path === p || path.startsWith(`${p}/`));
}

/** What a test asserts about an error: its code and, for a denial, the action and resource. */
export interface ErrorInfo {
  readonly code: string;
  readonly action?: string;
  readonly resource?: string;
}

/** Runs fn and describes the error it throws (a non-WritError or no error yields a code that fails asserts). */
export function errorOf(fn: () => unknown): ErrorInfo {
  try {
    fn();
  } catch (err) {
    if (err instanceof AccessDeniedError) return { code: err.code, action: err.action, resource: err.resource };
    if (err instanceof WritError) return { code: err.code };
    return { code: `UNEXPECTED: ${String(err)}` };
  }
  return { code: 'NO_ERROR' };
}

/** The ErrorInfo of a denial of `act` on a File or Dir. */
export function denied(act: string, kind: 'File' | 'Dir', path: string): ErrorInfo {
  return {
    code: 'ACCESS_DENIED',
    action: `file_system::Action::${JSON.stringify(act)}`,
    resource: `file_system::${kind}::${JSON.stringify(path)}`,
  };
}
