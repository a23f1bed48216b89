import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { denied, errorOf, harness } from './test-harness.js';

describe('fs.read / fs.readBytes', () => {
  const h = harness({ maxReadBytes: 64 });
  after(() => { h.cleanup(); });
  const file = `${h.dir}/hello.txt`;
  writeFileSync(file, 'héllo\n');

  it('reads UTF-8 text after open Dir(parent), open File, read File', () => {
    h.gate.clear();
    assert.equal(h.fs.read(file), 'héllo\n');
    assert.deepEqual(h.gate.log, [`open Dir ${h.dir}`, `open File ${file}`, `read File ${file}`]);
  });

  it('sends the file entity with its whole ancestor chain', () => {
    h.gate.clear();
    h.fs.read(file);
    const req = h.gate.requests[1]!;
    const ids = req.entities.map((e) => `${e.uid.type}::${e.uid.id}`);
    assert.equal(ids[0], `file_system::File::${file}`);
    assert.ok(ids.includes('file_system::Dir::/'));
    assert.ok(ids.includes(`file_system::Dir::${h.dir}`));
  });

  it('readBytes returns a plain Uint8Array with the exact bytes', () => {
    const bytes = h.fs.readBytes(file);
    assert.ok(bytes instanceof Uint8Array);
    assert.ok(!Buffer.isBuffer(bytes));
    assert.deepEqual([...bytes], [...Buffer.from('héllo\n')]);
  });

  it('readBytes makes the same requests and is denied the same way', () => {
    h.gate.clear();
    h.fs.readBytes(file);
    assert.deepEqual(h.gate.log, [`open Dir ${h.dir}`, `open File ${file}`, `read File ${file}`]);
    h.gate.rule = (act, kind) => !(act === 'open' && kind === 'File');
    try {
      assert.deepEqual(errorOf(() => h.fs.readBytes(file)), denied('open', 'File', file));
    } finally {
      h.gate.rule = () => true;
    }
  });

  it('denial throws AccessDenied naming the denied request, before touching the disk', () => {
    const g = harness({ rule: (act) => act !== 'read' });
    try {
      const p = `${g.dir}/missing.txt`;
      // The file does not even exist: the denial comes first, so nothing about the disk is revealed.
      assert.deepEqual(errorOf(() => g.fs.read(p)), denied('read', 'File', p));
      assert.deepEqual(g.gate.log, [`open Dir ${g.dir}`, `open File ${p}`, `read File ${p}`]);
    } finally {
      g.cleanup();
    }
  });

  it('denied parent directory stops at the first request', () => {
    const g = harness({ rule: () => false });
    try {
      assert.deepEqual(errorOf(() => g.fs.read(`${g.dir}/x`)), denied('open', 'Dir', g.dir));
      assert.equal(g.gate.requests.length, 1);
    } finally {
      g.cleanup();
    }
  });

  it('refuses a directory (NOT_A_FILE) and a missing file (NOT_FOUND)', () => {
    mkdirSync(`${h.dir}/sub`);
    assert.equal(errorOf(() => h.fs.read(`${h.dir}/sub`)).code, 'NOT_A_FILE');
    assert.equal(errorOf(() => h.fs.read(`${h.dir}/nope`)).code, 'NOT_FOUND');
  });

  it('files over maxReadBytes fail with FILE_TOO_LARGE; exactly the limit is fine', () => {
    writeFileSync(`${h.dir}/64`, 'x'.repeat(64));
    writeFileSync(`${h.dir}/65`, 'x'.repeat(65));
    assert.equal((h.fs.read(`${h.dir}/64`) as string).length, 64);
    assert.equal(errorOf(() => h.fs.read(`${h.dir}/65`)).code, 'FILE_TOO_LARGE');
  });

  it('a FIFO is refused without blocking', () => {
    const fifo = `${h.dir}/fifo`;
    execFileSync('mkfifo', [fifo]);
    assert.equal(errorOf(() => h.fs.read(fifo)).code, 'NOT_A_FILE');
  });

  it('/dev/zero is refused (never an endless read)', () => {
    assert.equal(errorOf(() => h.fs.read('/dev/zero')).code, 'NOT_A_FILE');
  });

  it('/proc files (size 0 in stat) are read to EOF, bounded by maxReadBytes', () => {
    const g = harness({ maxReadBytes: 1024 * 1024 });
    try {
      assert.match(g.fs.read('/proc/self/status') as string, /^Name:/);
      const small = harness({ maxReadBytes: 16 });
      try {
        assert.equal(errorOf(() => small.fs.read('/proc/self/status')).code, 'FILE_TOO_LARGE');
      } finally {
        small.cleanup();
      }
    } finally {
      g.cleanup();
    }
  });

  it('validates the path: relative -> INVALID_PATH, NUL or non-string -> INVALID_ARGUMENT', () => {
    h.gate.clear();
    assert.equal(errorOf(() => h.fs.read('etc/passwd')).code, 'INVALID_PATH');
    assert.equal(errorOf(() => h.fs.read(`${file}\0.png`)).code, 'INVALID_ARGUMENT');
    assert.equal(errorOf(() => h.fs.read(42)).code, 'INVALID_ARGUMENT');
    assert.equal(errorOf(() => h.fs.read(undefined)).code, 'INVALID_ARGUMENT');
    assert.deepEqual(h.gate.log, []);
  });

  it('spends one operation per call', () => {
    const before = h.budget.used;
    h.fs.read(file);
    assert.equal(h.budget.used, before + 1);
  });
});
