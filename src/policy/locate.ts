/**
 * Cedar reports source locations as UTF-8 BYTE offsets into the text it parsed. People (and editors)
 * count lines and characters, so every location is converted here before it reaches a message.
 * Columns count Unicode code points, so `é` or `✓` before an error each count as one column.
 */

export interface LineColumn {
  /** 1-based line number. */
  readonly line: number;
  /** 1-based column, in code points. */
  readonly column: number;
}

/** Precomputed UTF-8 view of one text, so many offsets can be converted without re-encoding. */
export class SourceMap {
  private readonly bytes: Buffer;

  constructor(readonly text: string) {
    this.bytes = Buffer.from(text, 'utf8');
  }

  get byteLength(): number {
    return this.bytes.length;
  }

  /** Line and column of the character that starts at (or contains) UTF-8 byte `offset`. */
  locate(offset: number): LineColumn {
    let end = Math.max(0, Math.min(Math.trunc(offset), this.bytes.length));
    // An offset inside a multi-byte sequence belongs to the character that sequence encodes; back up
    // to its first byte so decoding the prefix does not produce a spurious replacement character.
    while (end > 0 && end < this.bytes.length && isContinuationByte(this.bytes[end])) end--;
    const prefix = this.bytes.subarray(0, end).toString('utf8');
    const lineStart = prefix.lastIndexOf('\n') + 1;
    let line = 1;
    for (let i = prefix.indexOf('\n'); i !== -1; i = prefix.indexOf('\n', i + 1)) line++;
    return { line, column: codePointLength(prefix.slice(lineStart)) + 1 };
  }

  /** UTF-8 byte offset of the UTF-16 index `charIndex` in the text. */
  byteOffsetOf(charIndex: number): number {
    return Buffer.byteLength(this.text.slice(0, charIndex), 'utf8');
  }
}

function isContinuationByte(b: number | undefined): boolean {
  return b !== undefined && (b & 0xc0) === 0x80;
}

/** Length in code points: a character outside the BMP (an emoji) is one column, not two UTF-16 units. */
function codePointLength(s: string): number {
  return Array.from(s).length;
}
