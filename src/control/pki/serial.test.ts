import assert from 'node:assert/strict';
import { appendFileSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { hasCode } from '../../core/errors.js';
import { tempDir } from '../../../test/support/temp.js';
import { FileSerialLedger, SERIAL_BYTES, drawUniqueSerial, isSerialHex, randomSerial, type RandomSource } from './serial.js';

/** A random source that replays `chunks` in order (then repeats the last one). */
function scripted(...chunks: number[][]): RandomSource {
  let i = 0;
  return (size) => {
    const chunk = chunks[Math.min(i++, chunks.length - 1)]!;
    return Uint8Array.from({ length: size }, (_, j) => chunk[j % chunk.length]!);
  };
}

test('a serial is 32 lowercase hex digits of a positive 128-bit INTEGER with a non-zero first byte', () => {
  for (let i = 0; i < 1000; i++) {
    const serial = randomSerial();
    assert.match(serial, /^[0-7][0-9a-f]{31}$/);
    assert.notEqual(serial.slice(0, 2), '00');
    assert.ok(isSerialHex(serial));
  }
  // The sign bit is cleared: an all-ones draw becomes 7fff…, never a negative INTEGER.
  assert.equal(randomSerial(scripted([0xff])), `7f${'ff'.repeat(SERIAL_BYTES - 1)}`);
});

test('a first byte of zero is drawn again, and a source stuck at zero stops issuing', () => {
  assert.equal(randomSerial(scripted([0x80, 1], [0x12])), '12'.repeat(SERIAL_BYTES));
  assert.throws(() => randomSerial(scripted([0])), (err) => hasCode(err, 'SERIAL_EXHAUSTED'));
});

test('a random source returning fewer bytes than asked is refused', () => {
  assert.throws(() => randomSerial(() => new Uint8Array(8).fill(1)), (err) => hasCode(err, 'SERIAL_EXHAUSTED'));
});

test('10,000 draws through a file ledger are all distinct and all recorded', () => {
  using dir = tempDir();
  const ledger = FileSerialLedger.create(join(dir.path, 'serials'));
  const seen = new Set<string>();
  for (let i = 0; i < 10_000; i++) seen.add(drawUniqueSerial(ledger));
  assert.equal(seen.size, 10_000);
  const lines = readFileSync(ledger.path, 'utf8').trimEnd().split('\n');
  assert.deepEqual(new Set(lines), seen);
  assert.equal(statSync(ledger.path).mode & 0o777, 0o600);
});

test('the ledger refuses a serial used before, also after a restart and from another process', () => {
  using dir = tempDir();
  const path = join(dir.path, 'serials');
  const first = FileSerialLedger.create(path);
  const serial = randomSerial();
  assert.equal(first.claim(serial), true);
  assert.equal(first.claim(serial), false);
  assert.equal(new FileSerialLedger(path).claim(serial), false);
  // A second ledger object already open sees what the first appended after it started.
  const other = new FileSerialLedger(path);
  const later = randomSerial();
  assert.equal(other.claim(randomSerial()), true);
  assert.equal(first.claim(later), true);
  assert.equal(other.claim(later), false);
  assert.equal(readFileSync(path, 'utf8').split('\n').filter((l) => l === serial).length, 1);
});

test('drawUniqueSerial re-draws on a collision and gives up when the source only repeats', () => {
  using dir = tempDir();
  const ledger = FileSerialLedger.create(join(dir.path, 'serials'));
  const a = [0x11];
  const b = [0x22];
  assert.equal(drawUniqueSerial(ledger, scripted(a)), '11'.repeat(SERIAL_BYTES));
  assert.equal(drawUniqueSerial(ledger, scripted(a, a, b)), '22'.repeat(SERIAL_BYTES));
  assert.throws(() => drawUniqueSerial(ledger, scripted(a)), (err) => hasCode(err, 'SERIAL_EXHAUSTED'));
});

test('only canonical serials are claimed: another spelling of a used serial cannot slip past', () => {
  using dir = tempDir();
  const ledger = FileSerialLedger.create(join(dir.path, 'serials'));
  const serial = randomSerial();
  ledger.claim(serial);
  for (const spelling of [serial.toUpperCase(), `00${serial}`, serial.slice(2), '', '00'.repeat(16), `80${serial.slice(2)}`]) {
    assert.throws(() => ledger.claim(spelling), (err) => hasCode(err, 'OPTION_INVALID'), spelling);
  }
});

test('a missing, shrunken, torn or damaged ledger stops issuing (CA_INVALID)', () => {
  using dir = tempDir();
  const path = join(dir.path, 'serials');
  assert.throws(() => new FileSerialLedger(path).claim(randomSerial()), (err) => hasCode(err, 'CA_INVALID'));
  assert.throws(() => FileSerialLedger.create(join(dir.path, 'missing', 'serials')), (err) => hasCode(err, 'CA_INVALID'));

  const ledger = FileSerialLedger.create(path);
  assert.throws(() => FileSerialLedger.create(path), (err) => hasCode(err, 'CA_EXISTS'));
  ledger.claim(randomSerial());
  ledger.claim(randomSerial());
  truncateSync(path, 33);
  assert.throws(() => ledger.claim(randomSerial()), (err) => hasCode(err, 'CA_INVALID'));

  writeFileSync(path, `${randomSerial()}\n${randomSerial().slice(0, 10)}`);
  assert.throws(() => new FileSerialLedger(path).claim(randomSerial()), (err) => hasCode(err, 'CA_INVALID'));

  writeFileSync(path, `${randomSerial()}\n`);
  appendFileSync(path, 'not a serial\n');
  assert.throws(() => new FileSerialLedger(path).claim(randomSerial()), (err) => hasCode(err, 'CA_INVALID'));
});
