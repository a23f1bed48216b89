import { posix } from 'node:path';
import { sealWrit, type SealSigning, type SealedOutput } from '../../bundle/index.js';
import { RUN_LIMIT_BOUNDS } from '../../core/run-limit-bounds.js';
import { validatePolicy } from '../../policy/index.js';
// The agent's own rule for how argv is shown to Cedar, so a writ it would refuse is never built.
import { describeArguments } from '../../sandbox/sdk/proc/arguments.js';
import { EXEC_ENTRY_NAME, EXEC_ENTRY_SCRIPT } from './entry-script.js';
import { ExecWritError } from './errors.js';
import { execPolicy } from './exec-policy.js';

/** What `writ exec` seals: one program, its arguments, and the same seal options as `writ seal`. */
export interface ExecWritRequest extends SealSigning {
  /** Absolute, canonical path of the program on the hosts. */
  readonly program: string;
  /** The arguments after the program name, passed as they are (no shell ever sees them). */
  readonly argv: readonly string[];
  /**
   * Further exact files the policy permits to execute: where `program` is a symlink on the hosts, the
   * file it resolves to (e.g. /usr/bin/echo for /bin/echo on a merged-/usr system). The agent asks
   * for both, so without it such a program is denied.
   */
  readonly resolvesTo?: readonly string[];
  /** Requested wall-time limit of the run (manifest `limits.timeout`); the hosts cap it. */
  readonly timeoutMs?: number;
}

export interface ExecWrit extends SealedOutput {
  /** The policy sealed in, for the operator to review (`writ exec --dry-run --json`). */
  readonly policy: string;
}

const LONE_SURROGATE = /\p{Surrogate}/u;

/** Refuses a program path the policy could not name exactly. `what` names it in messages. */
export function checkProgramPath(path: string, what: string): string {
  if (path.length === 0) throw new ExecWritError('PROGRAM_INVALID', `${what} is empty`);
  // A NUL ends the path for the kernel: the file run would not be the file the policy names.
  if (path.includes('\0')) throw new ExecWritError('PROGRAM_INVALID', `${what} contains a NUL byte`);
  // The policy names one exact file, and the agent never searches PATH (proc.exec refuses relative
  // paths): "ls" could be a different file on every host, or whatever a writable PATH entry holds.
  if (!path.startsWith('/')) throw new ExecWritError('PROGRAM_INVALID', `${what} must be an absolute path like /usr/bin/ls (the agent does not search PATH), got "${path}"`);
  // The agent authorizes the normalized path, so "/usr/bin/../bin/ls" in a policy would never match.
  if (posix.normalize(path) !== path || (path.length > 1 && path.endsWith('/'))) {
    throw new ExecWritError('PROGRAM_INVALID', `${what} must be canonical (no ".", "..", "//" or trailing "/"), got "${path}"`);
  }
  // No Cedar string (UTF-8) can hold a lone surrogate: the policy could not name this file.
  if (LONE_SURROGATE.test(path)) throw new ExecWritError('PROGRAM_INVALID', `${what} is not valid Unicode`);
  return path;
}

function checkArguments(argv: readonly string[]): void {
  argv.forEach((arg, i) => {
    // The kernel ends each argument at a NUL: "a\0b" would arrive as "a". The agent refuses it too.
    if (arg.includes('\0')) throw new ExecWritError('ARGUMENT_INVALID', `argument ${i + 1} contains a NUL byte`);
    // A lone surrogate has no UTF-8 form: the program would get U+FFFD, not what was asked for.
    if (LONE_SURROGATE.test(arg)) throw new ExecWritError('ARGUMENT_INVALID', `argument ${i + 1} is not valid Unicode`);
  });
  try {
    describeArguments(argv);
  } catch (err) {
    // e.g. --k=a --k=b: every host would refuse the run (AMBIGUOUS_ARGUMENTS), so refuse it now.
    throw new ExecWritError('ARGUMENT_INVALID', err instanceof Error ? err.message : String(err), { cause: err });
  }
}

/**
 * Builds and seals the writ: the constant entry script (entry-script.ts), args.json carrying the
 * program and argv as data, and a policy permitting `execute` of exactly the program's file(s).
 */
export async function buildExecWrit(req: ExecWritRequest): Promise<ExecWrit> {
  const program = checkProgramPath(req.program, 'the program');
  const files = [program, ...(req.resolvesTo ?? []).map((p) => checkProgramPath(p, 'the program\'s resolved path'))];
  checkArguments(req.argv);
  const [min, max] = RUN_LIMIT_BOUNDS.timeoutMs;
  if (req.timeoutMs !== undefined && (!Number.isSafeInteger(req.timeoutMs) || req.timeoutMs < min || req.timeoutMs > max)) {
    throw new ExecWritError('ARGUMENT_INVALID', `the run timeout must be a whole number of ms from ${min} to ${max}`);
  }
  const policy = execPolicy([...new Set(files)]);
  // Refuse now what every host would refuse later (as `writ seal` does); a failure here is our bug.
  validatePolicy({ path: 'policy.cedar', text: policy });
  // Never in typed REX form (`{"x": {"stringValue": ...}}`): `program` is a plain string, so the
  // runner reads this object as it is.
  const args = JSON.stringify({ program, argv: [...req.argv] });
  const enc = new TextEncoder();
  const sealed = await sealWrit({
    script: { name: EXEC_ENTRY_NAME, bytes: enc.encode(EXEC_ENTRY_SCRIPT) },
    policy: enc.encode(policy),
    args: enc.encode(`${args}\n`),
    inputs: new Map(),
    privateKey: req.privateKey,
    ...(req.chainDer ? { chainDer: req.chainDer } : {}),
    now: req.now,
    ...(req.notBefore ? { notBefore: req.notBefore } : {}),
    expiresInMs: req.expiresInMs,
    audience: req.audience,
    limits: req.timeoutMs === undefined ? {} : { timeout: req.timeoutMs },
  });
  return { ...sealed, policy };
}
