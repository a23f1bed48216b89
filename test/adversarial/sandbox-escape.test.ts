/**
 * Hostile scripts: each tries to reach the host around the SDK or to break the runner. None may reach
 * anything the policy denies, and each must end with the expected status while this process stays healthy.
 */
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import type { RunReport } from '../../src/runner/index.js';
import { run } from '../support/run.js';
import { tempDir } from '../support/temp.js';

const SECRET = 'TOP-SECRET-CONTENT-7f3a';

interface Attack {
  readonly name: string;
  readonly script: string;
  /** Statuses this attack may end with. */
  readonly status: readonly RunReport['status'][];
  readonly limits?: Partial<{ timeoutMs: number; memoryMiB: number; maxOps: number; maxOutputBytes: number }>;
  /** Extra check of the report. */
  readonly check?: (report: RunReport) => void;
}

/** Policy for every attack: only the public file may be read; SECRET lives beside it. */
function policyFor(dir: string): string {
  return `permit(principal, action == file_system::Action::"open", resource == file_system::Dir::"${dir}");
permit(principal, action in [file_system::Action::"open", file_system::Action::"read"], resource == file_system::File::"${dir}/public.txt");`;
}

const host = (expr: string): string => `(() => { try { return String(${expr}); } catch (e) { return 'blocked:' + e.name; } })()`;

const ATTACKS: readonly Attack[] = [
  { name: 'require is absent', script: `typeof require`, status: ['succeeded'], check: (r) => assert.equal(r.result, 'undefined') },
  { name: 'process is absent', script: `typeof process`, status: ['succeeded'], check: (r) => assert.equal(r.result, 'undefined') },
  { name: 'module/exports absent', script: `[typeof module, typeof exports, typeof __dirname, typeof Buffer].join()`, status: ['succeeded'], check: (r) => assert.equal(r.result, 'undefined,undefined,undefined,undefined') },
  { name: 'constructor.constructor gives only the guest Function', script: `const F = ({}).constructor.constructor; ${host("F('return typeof process')()")}`, status: ['succeeded'], check: (r) => assert.equal(r.result, 'undefined') },
  { name: 'Function() cannot see host globals', script: `Function('return typeof globalThis.require + typeof globalThis.process')()`, status: ['succeeded'], check: (r) => assert.equal(r.result, 'undefinedundefined') },
  { name: 'eval cannot see host globals', script: `eval('typeof process')`, status: ['succeeded'], check: (r) => assert.equal(r.result, 'undefined') },
  { name: 'indirect eval', script: `(0, eval)('typeof require')`, status: ['succeeded'], check: (r) => assert.equal(r.result, 'undefined') },
  { name: 'host function constructor is guest Function', script: `const F = fs.read.constructor; ${host("F('return typeof process')()")}`, status: ['succeeded'], check: (r) => assert.equal(r.result, 'undefined') },
  { name: 'prototype pollution of Object.prototype does not reach host decisions', script: `Object.prototype.decision = 'allow'; Object.prototype.allowed = true; fs.read(args.dir + '/secret.txt')`, status: ['denied'] },
  { name: 'poisoned Array.prototype.map/join', script: `Array.prototype.map = function(){ return ['/'] }; Array.prototype.join = () => args.dir + '/public.txt'; fs.read(args.dir + '/secret.txt')`, status: ['denied'] },
  { name: 'String object with toString trick as path', script: `let n = 0; const p = { toString() { return n++ === 0 ? args.dir + '/public.txt' : args.dir + '/secret.txt'; } }; try { fs.read(p) } catch (e) { e.name === 'AccessDenied' ? 'denied' : 'rejected:' + e.code }`, status: ['succeeded'], check: (r) => assert.notEqual(r.result, SECRET) },
  { name: 'getter that swaps path after first read', script: `let n = 0; const o = {}; Object.defineProperty(o, 'p', { get() { return n++ ? args.dir + '/secret.txt' : args.dir + '/public.txt'; } }); const x = [o.p, o.p]; fs.read(x[1])`, status: ['denied'] },
  { name: 'Proxy as argument', script: `const p = new Proxy({}, { get: () => { throw new Error('trap') } }); try { fs.write(p, p) } catch (e) { e.name }`, status: ['succeeded'] },
  { name: 'cyclic object as argument', script: `const a = {}; a.self = a; try { fs.write(args.dir + '/x', a); 'wrote' } catch (e) { e.name }`, status: ['succeeded'], check: (r) => assert.notEqual(r.result, 'wrote') },
  { name: 'returned values are guest-native, not host objects', script: `const b = fs.readBytes(args.dir + '/public.txt'); [Object.getPrototypeOf(b) === Uint8Array.prototype, b.constructor === Uint8Array, typeof b.constructor.constructor('return this')().process]`, status: ['succeeded'], check: (r) => assert.deepEqual(r.result, [true, true, 'undefined']) },
  { name: 'overwriting fs.read does not change authorization', script: `try { fs.read = () => 'x'; } catch {} fs.read(args.dir + '/secret.txt')`, status: ['denied'] },
  { name: 'forged AccessDenied does not fake a denial', script: `const e = new Error('x'); e.name = 'AccessDenied'; e.action = 'file_system::Action::"read"'; e.resource = 'file_system::File::"/nothing"'; throw e`, status: ['failed'] },
  { name: 'catch denial and continue is allowed; secret never returned', script: `let got = 'none'; try { got = fs.read(args.dir + '/secret.txt') } catch (e) {} got`, status: ['succeeded'], check: (r) => assert.equal(r.result, 'none') },
  { name: 'dotdot traversal out of allowed dir', script: `fs.read(args.dir + '/../' + args.base + '/secret.txt')`, status: ['denied'] },
  { name: 'dotdot to /etc/shadow', script: `fs.read(args.dir + '/../../../../../../etc/shadow')`, status: ['denied'] },
  { name: 'relative path', script: `fs.read('secret.txt')`, status: ['failed'] },
  { name: 'NUL byte path truncation', script: `fs.read(args.dir + '/public.txt\\u0000/../secret.txt')`, status: ['failed', 'denied'] },
  { name: 'symlink to secret inside allowed name', script: `fs.read(args.dir + '/public-link.txt')`, status: ['denied'] },
  { name: 'symlinked directory', script: `fs.read(args.dir + '/linkdir/secret.txt')`, status: ['denied'] },
  { name: 'proc.exec a shell is denied without execute permission', script: `proc.exec('/bin/sh', ['-c', 'cat ' + args.dir + '/secret.txt'])`, status: ['denied'] },
  { name: 'net.get to loopback denied', script: `net.get('http://127.0.0.1:1/')`, status: ['denied'] },
  { name: 'file:// URL refused', script: `net.get('file:///etc/passwd')`, status: ['denied', 'failed'] },
  { name: 'infinite loop', script: `while (true) {}`, status: ['timeout'], limits: { timeoutMs: 300 } },
  { name: 'infinite loop inside catch-all', script: `for (;;) { try { while (true) {} } catch (e) {} }`, status: ['timeout'], limits: { timeoutMs: 300 } },
  { name: 'infinite async loop', script: `(async () => { for (;;) await null })()`, status: ['timeout'], limits: { timeoutMs: 300 } },
  { name: 'promise job flood', script: `function f() { Promise.resolve().then(f) } f(); 1`, status: ['timeout'], limits: { timeoutMs: 300 } },
  { name: 'memory bomb: typed arrays', script: `const a = []; for (;;) a.push(new Uint8Array(1 << 20))`, status: ['limit'], limits: { memoryMiB: 32 } },
  { name: 'memory bomb: string doubling', script: `let s = 'x'; for (;;) s += s`, status: ['limit', 'failed'], limits: { memoryMiB: 32 } },
  { name: 'memory bomb: array of objects', script: `const a = []; for (;;) a.push({ a: 1, b: [1, 2, 3] })`, status: ['limit', 'timeout'], limits: { memoryMiB: 32, timeoutMs: 5000 } },
  { name: 'huge string via repeat', script: `'x'.repeat(2 ** 29).length`, status: ['limit', 'failed'], limits: { memoryMiB: 32 } },
  { name: 'deep recursion', script: `function f(n) { return f(n + 1) + 1 } f(0)`, status: ['failed'] },
  { name: 'deep recursion caught, then more', script: `function f() { f() } try { f() } catch (e) {} 'alive'`, status: ['succeeded'], check: (r) => assert.equal(r.result, 'alive') },
  { name: 'deeply nested JSON.parse', script: `JSON.parse('['.repeat(100000) + ']'.repeat(100000))`, status: ['failed', 'limit'] },
  { name: 'console flood of 1 GB', script: `const s = 'x'.repeat(1 << 20); for (let i = 0; i < 1024; i++) console.log(s)`, status: ['limit'], check: (r) => { assert.equal(r.truncated, true); assert.equal(Buffer.byteLength(r.stdout), 1_048_576); } },
  { name: 'log flood', script: `for (;;) log.info('y'.repeat(4096))`, status: ['limit'], check: (r) => assert.equal(r.truncated, true) },
  { name: 'huge result', script: `'r'.repeat(4 << 20)`, status: ['limit', 'failed'] },
  { name: 'non-serializable result', script: `const o = {}; o.o = o; o`, status: ['failed'] },
  { name: 'BigInt result', script: `10n`, status: ['failed'] },
  { name: 'host-operation flood', script: `for (;;) sys.hostname()`, status: ['limit', 'denied'], limits: { maxOps: 1000 } },
  { name: 'limit error cannot be swallowed', script: `for (;;) { try { fs.read(args.dir + '/public.txt') } catch (e) {} }`, status: ['limit'], limits: { maxOps: 200 } },
  { name: 'ReDoS in grep runs in the guest and times out', script: `fs.grep('^(a+)+$', args.dir + '/public.txt')`, status: ['timeout', 'succeeded'], limits: { timeoutMs: 1000 } },
  { name: 'import of a host module', script: `import fs2 from 'fs'; export default 1`, status: ['failed'] },
  { name: 'dynamic import', script: `import('node:child_process').then(() => 'loaded', (e) => 'refused')`, status: ['succeeded', 'failed'], check: (r) => assert.notEqual(r.result, 'loaded') },
  { name: 'std/os QuickJS modules absent', script: `[typeof std, typeof os, typeof scriptArgs].join()`, status: ['succeeded'], check: (r) => assert.equal(r.result, 'undefined,undefined,undefined') },
  { name: 'args are frozen', script: `'use strict'; try { args.dir = '/'; 'mutated' } catch (e) { 'frozen' }`, status: ['succeeded'], check: (r) => assert.equal(r.result, 'frozen') },
  { name: 'WebAssembly cannot be used to break out', script: `typeof WebAssembly`, status: ['succeeded'], check: (r) => assert.equal(r.result, 'undefined') },
  { name: 'setTimeout is absent (no host event loop)', script: `typeof setTimeout`, status: ['succeeded'], check: (r) => assert.equal(r.result, 'undefined') },
];

for (const attack of ATTACKS) {
  test(`attack: ${attack.name}`, async () => {
    using dir = tempDir();
    writeFileSync(`${dir.path}/public.txt`, 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab');
    writeFileSync(`${dir.path}/secret.txt`, SECRET);
    plantSymlinks(dir.path);
    const report = await run({
      script: attack.script,
      policy: policyFor(dir.path),
      args: { dir: dir.path, base: dir.path.split('/').pop()! },
      limits: { timeoutMs: 5000, ...attack.limits },
    });
    assert.ok(attack.status.includes(report.status), `status ${report.status} (${JSON.stringify(report.error)}) not in ${attack.status.join('|')}`);
    // Whatever the attack, the secret must appear nowhere in what the script could hand back.
    assert.ok(!JSON.stringify(report).includes(SECRET), 'secret leaked into the report');
    assert.ok(!report.decisions.some((d) => d.decision === 'allow' && d.resource.includes('secret.txt')), 'a read of the secret was allowed');
    attack.check?.(report);
  });
}

/** Links an attacker might plant: a file link and a directory link, both leading to a secret. */
function plantSymlinks(dir: string): void {
  symlinkSync(`${dir}/secret.txt`, `${dir}/public-link.txt`);
  mkdirSync(`${dir}/real`);
  writeFileSync(`${dir}/real/secret.txt`, SECRET);
  symlinkSync(`${dir}/real`, `${dir}/linkdir`);
}
