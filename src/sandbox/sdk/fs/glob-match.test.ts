import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileSegment, literalText, matchSegment } from './glob-match.js';

const m = (pattern: string, name: string): boolean => matchSegment(compileSegment(pattern), name);

describe('glob segment matcher', () => {
  it('matches *, ? and literals', () => {
    assert.ok(m('*.log', 'app.log'));
    assert.ok(!m('*.log', '.log'), 'a leading dot needs an explicit dot');
    assert.ok(m('a?c', 'abc'));
    assert.ok(!m('a?c', 'ac'));
    assert.ok(m('*', 'anything'));
    assert.ok(m('a*b*c', 'aXXbYYc'));
    assert.ok(!m('a*b*c', 'aXXbYY'));
    assert.ok(m('exact', 'exact'));
    assert.ok(!m('exact', 'exactly'));
    assert.ok(m('**x', 'abcx'), 'stars inside a segment collapse');
  });

  it('matches classes, ranges, negation and escapes', () => {
    assert.ok(m('[abc].txt', 'b.txt'));
    assert.ok(!m('[abc].txt', 'd.txt'));
    assert.ok(m('file[0-9]', 'file7'));
    assert.ok(!m('file[!0-9]', 'file7'));
    assert.ok(m('file[^0-9]', 'fileX'));
    assert.ok(m('[]]', ']'));
    assert.ok(m('\\*', '*'));
    assert.ok(!m('\\*', 'x'));
    assert.ok(m('[unterminated', '[unterminated'));
    assert.ok(m('é?', 'éü'), 'code points, not UTF-16 units');
  });

  it('hidden names need a pattern starting with a dot', () => {
    assert.ok(m('.*', '.bashrc'));
    assert.ok(!m('?bashrc', '.bashrc'));
    assert.ok(m('.bashrc', '.bashrc'));
  });

  it('knows literal segments and their text', () => {
    assert.equal(compileSegment('etc').literal, true);
    assert.equal(compileSegment('e*c').literal, false);
    assert.equal(literalText(compileSegment('a\\*b')), 'a*b');
  });

  it('a pathological pattern stays fast on the host thread (no backtracking blow-up)', () => {
    const pattern = compileSegment(`${'*a'.repeat(40)}b`);
    const name = 'a'.repeat(255);
    const start = performance.now();
    for (let i = 0; i < 100; i++) assert.equal(matchSegment(pattern, name), false);
    assert.ok(performance.now() - start < 1000);
  });
});
