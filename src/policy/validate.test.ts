import { strict as assert } from 'node:assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { PolicyError } from './errors.js';
import { loadPolicyFile } from './policy-source.js';
import { REX_QUICK_START, policy } from './testing.js';
import { isValidatedPolicy, validatePolicy } from './validate.js';

function invalid(text: string): PolicyError {
  try {
    validatePolicy({ path: 'policy.cedar', text });
  } catch (err) {
    assert.ok(err instanceof PolicyError);
    assert.equal(err.code, 'POLICY_INVALID');
    assert.equal(err.file, 'policy.cedar');
    return err;
  }
  assert.fail('policy was accepted');
}

test("REX's quick-start policy validates, one id per policy", () => {
  const p = policy(REX_QUICK_START);
  assert.deepEqual(Object.keys(p.policies), ['policy0', 'policy1']);
  assert.ok(isValidatedPolicy(p));
  assert.deepEqual(p.warnings, []);
});

test('an empty or comment-only file is valid and has no policies', () => {
  assert.deepEqual(policy('').policies, {});
  assert.deepEqual(policy('// nothing allowed\n').policies, {});
});

test('a syntax error after multi-byte characters is located in characters, not bytes', () => {
  // Line 3: 29 characters precede the `}`; the string literal before it is 5 characters but 11 bytes.
  const err = invalid(`// Politique d'accès ✓ 🎉\npermit(principal, action, resource)\n  when { "ü✓🎉" == "x" && 1 + };\n`);
  assert.equal(err.line, 3);
  assert.equal(err.column, 30);
  assert.match(err.message, /^policy\.cedar:3:30: /);
});

test('an unknown action fails validation and is located', () => {
  const err = invalid('// ✓ é\npermit(principal, action == file_system::Action::"reed", resource);');
  assert.equal(err.line, 2);
  assert.equal(err.column, 29);
});

test('an unknown attribute fails validation (strict mode)', () => {
  const err = invalid('permit(principal, action == file_system::Action::"read", resource)\n  when { resource.pth == "/x" };');
  assert.equal(err.line, 2);
  assert.equal(err.column, 10);
  assert.ok(err.diagnostics.length >= 1);
});

test('unguarded optional attributes and tags fail validation', () => {
  invalid('permit(principal, action == file_system::Action::"execute", resource) when { context.namespace.target_process_id == 1 };');
  invalid('permit(principal, action == file_system::Action::"execute", resource) when { context.arguments.getTag("x") == "y" };');
  invalid('permit(principal, action == file_system::Action::"read", resource) when { context.missing == "x" };');
});

test('templates are refused: writ never links them', () => {
  const err = invalid('permit(principal, action, resource);\npermit(principal == ?principal, action, resource);');
  assert.equal(err.line, 2);
});

test('validation warnings are not errors', () => {
  // Writing to a Dir is not in the schema: Cedar warns the policy is impossible, but it is valid.
  const p = policy('permit(principal, action == file_system::Action::"write", resource is file_system::Dir);');
  assert.ok(p.warnings.length > 0);
  assert.equal(p.warnings[0]?.line, 1);
});

test('with more than ten policies each id maps to its own text (Cedar sorts ids as strings)', () => {
  const texts = Array.from({ length: 13 }, (_, i) => `permit(principal, action, resource) when { ${i} == ${i} };`);
  const p = policy(texts.join('\n'));
  for (let i = 0; i < texts.length; i++) assert.equal(p.policies[`policy${i}`], texts[i]);
});

test('a cast object is not a validated policy', () => {
  assert.equal(isValidatedPolicy({ source: { path: 'x', text: '' }, policies: {}, warnings: [] }), false);
});

test('loadPolicyFile: missing file is POLICY_NOT_FOUND, bad UTF-8 is POLICY_INVALID, a BOM is dropped', () => {
  const dir = mkdtempSync(join(tmpdir(), 'writ-policy-'));
  assert.throws(() => loadPolicyFile(join(dir, 'absent.cedar')), (e: unknown) => e instanceof PolicyError && e.code === 'POLICY_NOT_FOUND');
  assert.throws(() => loadPolicyFile(dir), (e: unknown) => e instanceof PolicyError && e.code === 'POLICY_NOT_FOUND');
  const bad = join(dir, 'bad.cedar');
  writeFileSync(bad, Buffer.from([0x70, 0x65, 0xff, 0xfe]));
  assert.throws(() => loadPolicyFile(bad), (e: unknown) => e instanceof PolicyError && e.code === 'POLICY_INVALID');
  const bom = join(dir, 'bom.cedar');
  writeFileSync(bom, `\uFEFF${REX_QUICK_START}`);
  const source = loadPolicyFile(bom);
  assert.equal(source.text, REX_QUICK_START);
  assert.equal(Object.keys(validatePolicy(source).policies).length, 2);
  const broken = join(dir, 'broken.cedar');
  writeFileSync(broken, '\uFEFFpermit(principal, action, resource)');
  assert.throws(() => validatePolicy(loadPolicyFile(broken)), (e: unknown) => e instanceof PolicyError && e.file === broken && e.line === 1);
});
