import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hasCode } from '../../core/errors.js';
import { EMPTY_REVOCATIONS, loadRevocationList } from './revocation.js';
import { OpensslPki } from './testing/openssl-pki.js';

const FP = 'ab'.repeat(32);

describe('revocation lists', () => {
  let pki: OpensslPki;
  before(() => {
    pki = OpensslPki.create();
  });
  after(() => pki.dispose());

  test('parses fingerprints and serials; comments, blank lines and CRLF are ignored', () => {
    const path = pki.write(
      'revoked.txt',
      `# revoked after the March incident\r\n\r\nsha256:${FP.toUpperCase()}   # laptop key\r\n  serial:00:0a:1B\nserial:80FF\n   \n# end\n`,
    );
    const list = loadRevocationList(path);
    assert.deepEqual([...list.keys], [`sha256:${FP}`]);
    assert.deepEqual([...list.serials].sort(), ['80FF', 'A1B']);
  });

  test('an empty file revokes nothing', () => {
    const list = loadRevocationList(pki.write('empty.txt', '# nothing yet\n'));
    assert.equal(list.keys.size, 0);
    assert.equal(list.serials.size, 0);
    assert.equal(EMPTY_REVOCATIONS.keys.size + EMPTY_REVOCATIONS.serials.size, 0);
  });

  test('any other line is REVOCATION_INVALID', () => {
    const bad = [
      `sha256:${FP.slice(2)}`, // too short
      `sha256:${FP}00`, // too long
      `sha256:${FP.slice(2)}zz`, // not hex
      `sha1:${FP.slice(0, 40)}`,
      FP, // missing prefix
      'serial:',
      'serial:-01',
      'serial:12G4',
      `serial:${'1'.repeat(43)}`,
      'SERIAL:01',
      'revoke everything',
    ];
    bad.forEach((line, index) => {
      const path = pki.write(`bad-${index}.txt`, `# ok\nserial:01\n${line}\n`);
      assert.throws(() => loadRevocationList(path), (err) => hasCode(err, 'REVOCATION_INVALID'), line);
    });
  });

  test('a missing file is REVOCATION_NOT_FOUND; a directory is REVOCATION_INVALID', () => {
    assert.throws(() => loadRevocationList(pki.file('absent.txt')), (err) => hasCode(err, 'REVOCATION_NOT_FOUND'));
    assert.throws(() => loadRevocationList(pki.dir), (err) => hasCode(err, 'REVOCATION_INVALID'));
  });
});
