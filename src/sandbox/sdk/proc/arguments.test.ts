import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hasCode } from '../../../core/errors.js';
import { describeArguments } from './arguments.js';

describe('describeArguments', () => {
  test('classifies --k=v as keys with tags, other dashes as flags, the rest as positional', () => {
    const d = describeArguments(['--color=auto', '-l', '--all', 'x', '-', '--', '-z', '', '--empty=', 'x']);
    assert.deepEqual(d.keys, ['color', 'empty']);
    assert.deepEqual(d.tags, { color: 'auto', empty: '' });
    assert.deepEqual(d.flags, ['--', '--all', '-l', '-z']);
    assert.deepEqual(d.positional, ['', '-', 'x']);
  });

  test('values keep everything after the first "="', () => {
    assert.deepEqual(describeArguments(['--opt=a=b']).tags, { opt: 'a=b' });
  });

  test('"--=x" has no key name: it is a flag', () => {
    assert.deepEqual(describeArguments(['--=x']).flags, ['--=x']);
  });

  test('ADVERSARIAL: a key repeated with another value is refused; the same value twice is fine', () => {
    assert.throws(() => describeArguments(['--config=safe', '--config=evil']), (err: unknown) => hasCode(err, 'AMBIGUOUS_ARGUMENTS'));
    assert.deepEqual(describeArguments(['--v=1', '--v=1']).tags, { v: '1' });
  });

  test('ADVERSARIAL: "__proto__" as a key is stored as data, not as a prototype', () => {
    const d = describeArguments(['--__proto__=x', '--constructor=y']);
    assert.deepEqual(d.keys, ['__proto__', 'constructor']);
    assert.equal(Object.getOwnPropertyDescriptor(d.tags, '__proto__')?.value, 'x');
  });
});
