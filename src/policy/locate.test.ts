import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import fc from 'fast-check';
import { SourceMap } from './locate.js';

test('byte offsets become 1-based line and code-point column', () => {
  const text = 'aé✓🎉b\nxy\n\nz';
  const map = new SourceMap(text);
  // a=1 byte, é=2, ✓=3, 🎉=4: b starts at byte 10 and is the 5th character.
  assert.deepEqual(map.locate(0), { line: 1, column: 1 });
  assert.deepEqual(map.locate(10), { line: 1, column: 5 });
  assert.deepEqual(map.locate(Buffer.byteLength('aé✓🎉b\nx')), { line: 2, column: 2 });
  assert.deepEqual(map.locate(Buffer.byteLength('aé✓🎉b\nxy\n\n')), { line: 4, column: 1 });
});

test('an offset inside a multi-byte character points at that character; out-of-range offsets clamp', () => {
  const map = new SourceMap('é🎉x');
  assert.deepEqual(map.locate(1), { line: 1, column: 1 });
  assert.deepEqual(map.locate(4), { line: 1, column: 2 });
  assert.deepEqual(map.locate(6), { line: 1, column: 3 });
  assert.deepEqual(map.locate(-5), { line: 1, column: 1 });
  assert.deepEqual(map.locate(1000), { line: 1, column: 4 });
});

test('property: locate(byteOffsetOf(i)) matches a naive count over the characters', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.constantFrom('\n', 'é', '✓', '🎉', 'a', ' ')), { maxLength: 60 }), fc.nat(), (chars, pick) => {
      const text = chars.join('');
      const index = chars.length === 0 ? 0 : pick % chars.length;
      const before = chars.slice(0, index);
      const lastNl = before.lastIndexOf('\n');
      const expected = { line: before.filter((c) => c === '\n').length + 1, column: index - lastNl };
      const map = new SourceMap(text);
      assert.deepEqual(map.locate(map.byteOffsetOf(before.join('').length)), expected);
    }),
  );
});
