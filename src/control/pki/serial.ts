import { randomBytes } from 'node:crypto';
import { closeSync, constants, fdatasyncSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { PkiError } from './errors.js';

/**
 * Certificate serial numbers: 16 random bytes, drawn fresh for every certificate and recorded in a
 * ledger so that no serial is ever issued twice by one CA (RFC 5280 §4.1.2.2 requires uniqueness;
 * revocation lists name certificates by serial, so a repeat would revoke or spare the wrong one).
 */

/** Bytes in a serial: 128 bits, of which 127 are random (the top bit is the DER sign bit). */
export const SERIAL_BYTES = 16;

/** The canonical spelling: 32 lowercase hex digits, first byte 01..7f. */
const SERIAL_PATTERN = /^(?:0[1-9a-f]|[1-7][0-9a-f])[0-9a-f]{30}$/;

/** Draws before giving up; a working RNG needs more than two with probability below 2^-100. */
const MAX_DRAWS = 16;

/** Source of random bytes, replaceable in tests to force collisions. */
export type RandomSource = (size: number) => Uint8Array;

export function isSerialHex(text: string): boolean {
  return SERIAL_PATTERN.test(text);
}

/**
 * A random serial as lowercase hex: a positive DER INTEGER of exactly 16 bytes. The top bit is
 * cleared so the INTEGER is positive; a first byte of zero is drawn again rather than stripped, so
 * every serial keeps one length and one spelling (which the ledger compares) and is never zero.
 */
export function randomSerial(random: RandomSource = randomBytes): string {
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    const bytes = Buffer.from(random(SERIAL_BYTES));
    // A short read would silently shrink the serial's entropy.
    if (bytes.length !== SERIAL_BYTES) throw new PkiError('SERIAL_EXHAUSTED', `random source returned ${bytes.length} bytes, expected ${SERIAL_BYTES}`);
    bytes.writeUInt8(bytes.readUInt8(0) & 0x7f, 0);
    if (bytes.readUInt8(0) !== 0) return bytes.toString('hex');
  }
  // A source that keeps yielding zero bytes is broken; issuing anyway would issue predictable serials.
  throw new PkiError('SERIAL_EXHAUSTED', `no usable serial in ${MAX_DRAWS} draws: the random source is broken`);
}

/** Remembers every serial a CA has used. */
export interface SerialLedger {
  /** Records `serialHex` as used; false (and nothing recorded) when it was ever used before. */
  claim(serialHex: string): boolean;
}

/** A fresh serial that `ledger` has never seen, now recorded in it. */
export function drawUniqueSerial(ledger: SerialLedger, random: RandomSource = randomBytes): string {
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    const serial = randomSerial(random);
    if (ledger.claim(serial)) return serial;
  }
  // Repeated collisions in a 127-bit space mean the RNG repeats itself: stop issuing.
  throw new PkiError('SERIAL_EXHAUSTED', `every one of ${MAX_DRAWS} serials drawn was already used: the random source is broken`);
}

/**
 * A SerialLedger kept in an append-only text file, one serial per line. Each claim opens the file,
 * first reads what other processes (a running `writ control serve` and an `approve`) appended since
 * the last claim, then appends and syncs before returning, so a serial is on disk before any
 * certificate carries it. The file must exist: a CA whose ledger vanished has lost its memory of
 * what it issued, and must not guess. There is no lock between the read and the append: two
 * processes could only both claim one serial if the RNG gave both the same 127 random bits.
 */
export class FileSerialLedger implements SerialLedger {
  readonly path: string;
  private readonly used = new Set<string>();
  /** Bytes of the file already folded into `used`. */
  private bytesRead = 0;
  /** Size the file had after our last append; the file only ever grows past it. */
  private sizeSeen = 0;

  constructor(path: string) {
    this.path = path;
  }

  /** Creates an empty ledger file (mode 0600); fails if one exists. */
  static create(path: string): FileSerialLedger {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o600);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new PkiError(code === 'EEXIST' ? 'CA_EXISTS' : 'CA_INVALID', `${path}: cannot create the serial ledger: ${code}`, { cause: err });
    }
    try {
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return new FileSerialLedger(path);
  }

  claim(serialHex: string): boolean {
    // A differently spelled serial would slip past the Set comparison; only the canonical form counts.
    if (!isSerialHex(serialHex)) throw new PkiError('OPTION_INVALID', `"${serialHex}" is not a serial in canonical form`);
    const fd = this.openExisting();
    try {
      this.catchUp(fd);
      if (this.used.has(serialHex)) return false;
      const line = Buffer.from(`${serialHex}\n`, 'latin1');
      // O_APPEND: one write of the whole line lands at the end even with another writer.
      writeSync(fd, line);
      fdatasyncSync(fd);
      this.used.add(serialHex);
      // Our own line is folded in by the next catch-up, which cannot skip it: another writer may
      // have appended between our read and our write, so where our line landed is not known here.
      this.sizeSeen = fstatSync(fd).size;
      return true;
    } finally {
      closeSync(fd);
    }
  }

  private openExisting(): number {
    try {
      // No O_CREAT: a missing ledger is an error, never a fresh start.
      return openSync(this.path, constants.O_RDWR | constants.O_APPEND);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new PkiError('CA_INVALID', `${this.path}: cannot open the serial ledger: ${code}`, { cause: err });
    }
  }

  /** Folds lines appended since the last read into `used`; a damaged line stops issuing. */
  private catchUp(fd: number): void {
    const size = fstatSync(fd).size;
    // A ledger that lost entries would let their serials be issued again.
    if (size < Math.max(this.bytesRead, this.sizeSeen)) throw new PkiError('CA_INVALID', `${this.path}: the serial ledger shrank; it is append-only`);
    if (size === this.bytesRead) return;
    const fresh = Buffer.alloc(size - this.bytesRead);
    let filled = 0;
    while (filled < fresh.length) {
      const n = readSync(fd, fresh, filled, fresh.length - filled, this.bytesRead + filled);
      if (n === 0) break;
      filled += n;
    }
    const text = fresh.subarray(0, filled).toString('latin1');
    const lastNewline = text.lastIndexOf('\n');
    // A line without its newline is a torn write (a crash mid-append, or a writer without O_APPEND):
    // its serial cannot be read, and appending after it would corrupt the next entry too.
    if (lastNewline !== text.length - 1) {
      throw new PkiError('CA_INVALID', `${this.path}: the serial ledger ends in an incomplete line; repair it before issuing`);
    }
    for (const serial of text.slice(0, lastNewline).split('\n')) {
      // An unreadable entry could be a used serial we would then reissue.
      if (!isSerialHex(serial)) throw new PkiError('CA_INVALID', `${this.path}: the serial ledger holds a malformed entry "${serial.slice(0, 40)}"`);
      this.used.add(serial);
    }
    this.bytesRead += filled;
  }
}
