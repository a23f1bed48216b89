import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import type { AccessRequest } from '../../sandbox/gate.js';
import { CedarGate, type GateProblem } from '../cedar-gate.js';
import { cedarEntity, cedarString } from '../cedar-text.js';
import { validatePolicy, type ValidatedPolicy } from '../validate.js';
import { ACTIONS, DIR, DIRS, FILE, FILES, GROUPS, MUTATIONS, PROCESSES, SERVICES, STRINGS, URLS, USERS, buildRequest, type RequestSpec } from './testing.js';

/**
 * Differential test: random policies from the compilable subset (validated against writ's schema,
 * as every gate's policy is) and random requests, well-formed and malformed, each decided by a gate
 * using the fast path and by a gate forced to Cedar. Decisions must be equal, and so must the kind
 * of problem reported and which policies errored.
 */

const ALICE = { type: 'User', id: 'alice' };
const REQUESTS_PER_SET = 50;
/** WRIT_DIFF_SETS=5000 (or more) for a longer soak; the default keeps the test near 20 s. */
const POLICY_SETS = Number(process.env['WRIT_DIFF_SETS'] ?? 450);

// ---- literals ------------------------------------------------------------------------------------
const ent = (type: string, id: string): string => cedarEntity({ type, id });
const dirLit = fc.constantFrom(...DIRS).map((d) => ent(DIR, d));
const fileLit = fc.constantFrom(...FILES).map((f) => ent(FILE, f));
const userLit = fc.constantFrom(...USERS).map((u) => ent('User', u));
const urlLit = fc.constantFrom(...URLS).map((u) => ent('network::url', u));
const procLit = fc.constantFrom(...PROCESSES.map((p) => p.id)).map((p) => ent('process_system::Process', p));
const serviceLit = fc.constantFrom(...SERVICES).map((s) => ent('systemd::Service', s));
const entityLit = fc.oneof(dirLit, fileLit, userLit, urlLit, procLit, serviceLit);
const sameTypeEntities = fc.oneof(dirLit, fileLit, urlLit).chain((first) => {
  const type = first.slice(0, first.indexOf('::"'));
  const same = type === DIR ? dirLit : type === FILE ? fileLit : urlLit;
  return fc.array(same, { maxLength: 3 }).map((rest) => [first, ...rest]);
});
const namespaces = Object.keys(ACTIONS);
const actionLit = fc.constantFrom(...namespaces).chain((ns) =>
  fc.constantFrom(...ACTIONS[ns]!, GROUPS[ns]!).map((a) => ent(`${ns}::Action`, a)),
);
const actionList = fc.constantFrom(...namespaces).chain((ns) =>
  fc.subarray([...ACTIONS[ns]!, GROUPS[ns]!], { minLength: 1, maxLength: Math.min(4, ACTIONS[ns]!.length + 1) }).map((as) => `[${as.map((a) => ent(`${ns}::Action`, a)).join(', ')}]`),
);
const groupLit = fc.constantFrom(...namespaces).map((ns) => ent(`${ns}::Action`, GROUPS[ns]!));
const entityType = fc.constantFrom(FILE, DIR, 'network::url', 'process_system::Process', 'systemd::Service', 'User');
const stringLit = fc
  .oneof(fc.constantFrom(...STRINGS), fc.string({ unit: fc.constantFrom('a', '*', 'é', '🙂', '/', '\\', '"', 'ß'), maxLength: 6 }))
  .map(cedarString);

/** A `like` pattern: mostly a known string with parts replaced by `*`, so matches happen. */
function renderPattern(elems: readonly string[]): string {
  const esc = (c: string): string => (c === '*' ? '\\*' : c === '"' ? '\\"' : c === '\\' ? '\\\\' : c);
  return `"${elems.map((e) => (e === '' ? '*' : esc(e))).join('')}"`;
}
const pattern = fc.oneof(
  fc.tuple(fc.constantFrom(...STRINGS), fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 40 })).map(([s, ops]) => {
    const out: string[] = [];
    Array.from(s).forEach((c, i) => {
      const op = ops[i] ?? 0;
      if (op === 3) out.push('');
      else if (op === 4) out.push(c, '');
      else if (op !== 5) out.push(c);
    });
    return renderPattern(out);
  }),
  fc.array(fc.constantFrom('', 'a', '/', 'é', '🙂', '*', 'x', 'ß', '\\'), { maxLength: 6 }).map(renderPattern),
);

// ---- expressions ---------------------------------------------------------------------------------
/** String-valued attribute reads with the guard that lets them validate (or none: scope may do it). */
const guarded: fc.Arbitrary<readonly [string, string]> = fc.constantFrom(
  ['resource is file_system::File', 'resource.path'],
  ['resource is file_system::File', 'resource.path'],
  ['resource is file_system::Dir', 'resource.path'],
  ['resource is file_system::Dir', 'resource.path'],
  ['resource has path', 'resource.path'],
  ['resource is network::url', 'resource.url'],
  ['resource has url', 'resource.url'],
  ['resource is process_system::Process', 'resource.command'],
  ['resource has name', 'resource.name'],
  ['', 'resource.path'],
);
const stringTest = fc.tuple(guarded, fc.integer({ min: 0, max: 5 }), stringLit, pattern, fc.array(stringLit, { minLength: 1, maxLength: 3 })).map(
  ([[guard, attr], op, s, pat, list]) => {
    const test = [`${attr} == ${s}`, `${attr} != ${s}`, `${attr} like ${pat}`, `[${list.join(', ')}].contains(${attr})`, `${s} == ${attr}`, `(if resource has path then resource.path else "") like ${pat}`][op]!;
    return guard === '' ? test : `(${guard} && ${test})`;
  },
);
const atom = fc.oneof(
  { arbitrary: stringTest, weight: 6 },
  { arbitrary: fc.constantFrom('true', 'false', '1 == 1', '1 == 2', '"a" == "a"', 'principal == resource', 'resource in resource', 'action in action', '1 == "1"'), weight: 1 },
  { arbitrary: dirLit.map((d) => `resource in ${d}`), weight: 3 },
  { arbitrary: fc.array(dirLit, { minLength: 1, maxLength: 3 }).map((ds) => `resource in [${ds.join(', ')}]`), weight: 1 },
  { arbitrary: fc.tuple(fc.boolean(), entityLit).map(([eq, e]) => `resource ${eq ? '==' : '!='} ${e}`), weight: 2 },
  { arbitrary: fc.tuple(fc.boolean(), userLit).map(([eq, u]) => `principal ${eq ? '==' : 'in'} ${u}`), weight: 1 },
  { arbitrary: actionLit.map((a) => `action == ${a}`), weight: 1 },
  { arbitrary: groupLit.map((g) => `action in ${g}`), weight: 1 },
  { arbitrary: actionList.map((l) => `action in ${l}`), weight: 1 },
  { arbitrary: entityType.map((t) => `resource is ${t}`), weight: 1 },
  { arbitrary: fc.tuple(fc.constantFrom(FILE, DIR), dirLit).map(([t, d]) => `resource is ${t} in ${d}`), weight: 2 },
  { arbitrary: fc.tuple(fc.constantFrom('resource', 'principal'), fc.constantFrom('path', 'url', 'name', 'toString', '__proto__')).map(([v, a]) => `${v} has ${a}`), weight: 1 },
  { arbitrary: sameTypeEntities.map((es) => `[${es.join(', ')}].contains(resource)`), weight: 1 },
);
const { expr } = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: atom, weight: 5 },
    { arbitrary: fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `(${a} && ${b})`), weight: 2 },
    { arbitrary: fc.tuple(tie('expr'), tie('expr')).map(([a, b]) => `(${a} || ${b})`), weight: 2 },
    { arbitrary: tie('expr').map((a) => `!(${a})`), weight: 1 },
    { arbitrary: fc.tuple(tie('expr'), tie('expr'), tie('expr')).map(([c, a, b]) => `(if ${c} then ${a} else ${b})`), weight: 1 },
  ),
}));

// ---- policies ------------------------------------------------------------------------------------
const principalScope = fc.constantFrom('principal', 'principal', 'principal', 'principal == User::"alice"', 'principal == User::"bob"', 'principal in User::"alice"', 'principal is User', 'principal is User in User::"bob"');
const actionScope = fc.oneof(
  { arbitrary: fc.constant('action'), weight: 4 },
  { arbitrary: actionLit.map((a) => `action == ${a}`), weight: 1 },
  { arbitrary: groupLit.map((g) => `action in ${g}`), weight: 2 },
  { arbitrary: actionList.map((l) => `action in ${l}`), weight: 1 },
);
const resourceScope = fc.oneof(
  { arbitrary: fc.constant('resource'), weight: 4 },
  { arbitrary: entityLit.map((e) => `resource == ${e}`), weight: 1 },
  { arbitrary: dirLit.map((d) => `resource in ${d}`), weight: 3 },
  { arbitrary: entityType.map((t) => `resource is ${t}`), weight: 3 },
  { arbitrary: fc.tuple(fc.constantFrom(FILE, DIR), dirLit).map(([t, d]) => `resource is ${t} in ${d}`), weight: 2 },
);
const policyText = fc
  .tuple(
    fc.constantFrom('permit', 'permit', 'permit', 'forbid'),
    principalScope,
    actionScope,
    resourceScope,
    // A lone atom as a condition is common in real policies, and reaches attribute reads more often.
    fc.array(fc.tuple(fc.constantFrom('when', 'unless'), fc.oneof(atom, expr)), { maxLength: 2 }),
  )
  .map(([effect, p, a, r, conds]) => `${effect}(${p}, ${a}, ${r})${conds.map(([k, b]) => ` ${k} { ${b} }`).join('')};`);

/** Only the policies that validate: a gate never sees any other. */
function validated(texts: readonly string[]): ValidatedPolicy | null {
  const attempt = (ts: readonly string[]): ValidatedPolicy | null => {
    try {
      return validatePolicy({ path: 'p.cedar', text: ts.join('\n') });
    } catch {
      return null;
    }
  };
  // Usually the whole set validates; otherwise keep the policies that do on their own.
  const kept = texts.filter((t) => attempt([t]) !== null);
  return attempt(texts) ?? (kept.length === 0 ? null : attempt(kept));
}

// ---- requests ------------------------------------------------------------------------------------
const pathLike = fc.array(fc.constantFrom('var', 'log', 'tmp', 'a', 'x*y', 'é🙂', 'a\\*b', 'ß'), { minLength: 1, maxLength: 4 }).map((cs) => `/${cs.join('/')}`);
const spec: fc.Arbitrary<RequestSpec> = fc
  .constantFrom<RequestSpec['kind']>('file', 'file', 'file', 'file', 'dir', 'dir', 'dir', 'url', 'process', 'service', 'systemd', 'uname', 'hostname', 'sysctl')
  .chain((kind) => {
    const id =
      kind === 'file' ? fc.oneof(fc.constantFrom(...FILES), pathLike)
      : kind === 'dir' ? fc.oneof(fc.constantFrom(...DIRS), pathLike)
      : kind === 'url' ? fc.constantFrom(...URLS)
      : kind === 'process' ? fc.constantFrom(...PROCESSES.map((p) => p.id))
      : kind === 'service' ? fc.constantFrom(...SERVICES)
      : fc.constantFrom('example.com', 'x');
    return fc.record({ kind: fc.constant(kind), action: fc.nat(20), id, attr: fc.option(fc.constantFrom(...STRINGS), { nil: undefined, freq: 8 }) });
  })
  .map((s): RequestSpec => (s.attr === undefined ? { kind: s.kind, action: s.action, id: s.id } : { kind: s.kind, action: s.action, id: s.id, attr: s.attr }));
const request: fc.Arbitrary<readonly [string, AccessRequest]> = fc
  .tuple(spec, fc.nat(1000), fc.oneof({ arbitrary: fc.constant(0), weight: 5 }, { arbitrary: fc.constant(1), weight: 2 }, fc.nat(MUTATIONS.length - 1)), fc.nat(100))
  .map(([s, pick, m, n]) => {
    // Mostly untouched requests, often without the resource entity (attribute reads then error).
    const [name, mutate] = MUTATIONS[m]!;
    return [name, mutate(buildRequest(s, n), pick)] as const;
  });

// ---- the property --------------------------------------------------------------------------------
interface Tally {
  pairs: number;
  fast: number;
  allow: number;
  errors: number;
  rejectedSets: number;
}

function problemSummary(problems: readonly GateProblem[]): string[] {
  // Cedar messages are `policyN: message`; only the kind and which policies erred are compared.
  return problems.map((p) => `${p.kind} ${p.kind === 'evaluation-error' ? p.messages.map((m) => m.split(':')[0]).sort().join(',') : ''}`);
}

function checkSet(texts: readonly string[], requests: readonly (readonly [string, AccessRequest])[], tally: Tally): void {
  const policy = validated(texts);
  if (policy === null) {
    tally.rejectedSets++;
    return;
  }
  const fastProblems: GateProblem[] = [];
  const cedarProblems: GateProblem[] = [];
  const fast = new CedarGate({ principal: ALICE, policy, cacheSize: 0, onProblem: (p) => fastProblems.push(p) });
  const cedar = new CedarGate({ principal: ALICE, policy, cacheSize: 0, fastPath: false, onProblem: (p) => cedarProblems.push(p) });
  try {
    // Every generated policy is in the subset: a failure to compile is itself a bug.
    assert.equal(fast.fastPathUnavailable, null, `${fast.fastPathUnavailable ?? ''}\n${policy.source.text}`);
    for (const [mutation, r] of requests) {
      fastProblems.length = 0;
      cedarProblems.length = 0;
      const before = fast.stats().fastPathDecisions;
      const got = fast.authorize(r);
      const want = cedar.authorize(r);
      const where: string = `\n${policy.source.text}\nmutation: ${mutation}\nrequest: ${JSON.stringify(r)}\ncedar: ${JSON.stringify(cedarProblems)}\nfast: ${JSON.stringify(fastProblems)}`;
      assert.equal(got, want, `decision differs${where}`);
      assert.deepEqual(problemSummary(fastProblems), problemSummary(cedarProblems), `problems differ${where}`);
      tally.pairs++;
      if (fast.stats().fastPathDecisions > before) tally.fast++;
      if (want === 'allow') tally.allow++;
      if (cedarProblems.some((p) => p.kind === 'evaluation-error')) tally.errors++;
    }
  } finally {
    fast.dispose();
    cedar.dispose();
  }
}

test(`differential: fast path == Cedar on ${POLICY_SETS} random policy sets x ${REQUESTS_PER_SET} requests`, (t) => {
  const tally: Tally = { pairs: 0, fast: 0, allow: 0, errors: 0, rejectedSets: 0 };
  fc.assert(
    fc.property(fc.array(policyText, { minLength: 1, maxLength: 4 }), fc.array(request, { minLength: REQUESTS_PER_SET, maxLength: REQUESTS_PER_SET }), (texts, requests) =>
      checkSet(texts, requests, tally),
    ),
    { numRuns: POLICY_SETS },
  );
  t.diagnostic(JSON.stringify(tally));
  // The comparison must not be vacuous: enough pairs, most decided by the fast path, all outcomes seen.
  assert.ok(tally.pairs >= Math.min(20_000, POLICY_SETS * REQUESTS_PER_SET * 0.9), `only ${tally.pairs} pairs`);
  assert.ok(tally.fast > tally.pairs * 0.3, `fast path decided only ${tally.fast}`);
  assert.ok(tally.allow > tally.pairs * 0.05, `only ${tally.allow} allows`);
  assert.ok(tally.errors > 20, `only ${tally.errors} evaluation errors`);
});
