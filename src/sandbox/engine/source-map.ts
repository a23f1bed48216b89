/**
 * Minimal source-map v3 reader: maps a generated (line, column) back to the original one, so errors in
 * TypeScript scripts point at the line the author wrote. Only the single-source maps that
 * `transpileModule` produces are supported.
 */

/** [generatedColumn, originalLine, originalColumn], all 0-based, sorted by generated column. */
type Segment = readonly [number, number, number];

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map(Array.from({ length: BASE64.length }, (_, i) => [BASE64.charAt(i), i]));

export class LineMap {
  readonly #lines: Segment[][];

  private constructor(lines: Segment[][]) {
    this.#lines = lines;
  }

  /** Parses a source map's `mappings`; returns undefined if the text is not a usable map. */
  static parse(sourceMapText: string): LineMap | undefined {
    let mappings: unknown;
    try {
      mappings = (JSON.parse(sourceMapText) as { mappings?: unknown }).mappings;
    } catch {
      return undefined;
    }
    if (typeof mappings !== 'string') return undefined;
    const lines: Segment[][] = [];
    let origLine = 0;
    let origCol = 0;
    let source = 0;
    for (const lineText of mappings.split(';')) {
      const segments: Segment[] = [];
      let genCol = 0;
      for (const segText of lineText.split(',')) {
        if (segText === '') continue;
        const fields = decodeVlq(segText);
        if (fields === undefined || fields.length === 0) return undefined;
        genCol += fields[0] ?? 0;
        if (fields.length >= 4) {
          source += fields[1] ?? 0;
          origLine += fields[2] ?? 0;
          origCol += fields[3] ?? 0;
          if (source === 0) segments.push([genCol, origLine, origCol]);
        }
      }
      segments.sort((a, b) => a[0] - b[0]);
      lines.push(segments);
    }
    return new LineMap(lines);
  }

  /** Maps a 1-based generated line and column to a 1-based original one, if the map covers it. */
  original(line: number, column: number): { line: number; column: number } | undefined {
    const segments = this.#lines[line - 1];
    if (segments === undefined || segments.length === 0) return undefined;
    let best: Segment | undefined = segments[0];
    for (const seg of segments) {
      if (seg[0] <= column - 1) best = seg;
      else break;
    }
    if (best === undefined) return undefined;
    return { line: best[1] + 1, column: best[2] + 1 + Math.max(0, column - 1 - best[0]) };
  }
}

function decodeVlq(text: string): number[] | undefined {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of text) {
    const digit = DIGIT.get(ch);
    if (digit === undefined) return undefined;
    value += (digit & 31) * 2 ** shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    out.push(value % 2 === 1 ? -Math.floor(value / 2) : Math.floor(value / 2));
    value = 0;
    shift = 0;
  }
  return shift === 0 ? out : undefined;
}
