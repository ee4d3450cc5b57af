/**
 * The mappings of a source map as a flat list: which offset of the generated script came from
 * which line and column of the original file. Host coverage needs it both ways (a TypeScript
 * line to the V8 range that counted it, a stack frame's TypeScript position to an offset), and
 * a decoded list serves both. Decoded here because the format is a short base64-VLQ loop and
 * Node's own `module.SourceMap` answers only generated -> original, one position at a time.
 */

export interface Segment {
  /** Character offset in the generated script (V8 coverage ranges use the same offsets). */
  offset: number;
  /** 0-based line and column in the original file. */
  line: number;
  column: number;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** The numbers of one segment (`AAAA` -> [0,0,0,0]); each is relative to the previous segment's. */
function decodeVlq(text: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const c of text) {
    const d = DIGIT.get(c);
    if (d === undefined) throw new Error(`source map: '${c}' is not a base64 digit`);
    value += (d & 31) * 2 ** shift;
    if (d & 32) {
      shift += 5;
      continue;
    }
    out.push(value & 1 ? -Math.floor(value / 2) : Math.floor(value / 2));
    value = 0;
    shift = 0;
  }
  return out;
}

/**
 * The segments of `mappings` that name an original position, sorted by offset. `lineLengths`
 * are the generated script's line lengths without their newline (what Node keeps in a coverage
 * file's source-map-cache), so offsets can be computed without the generated text.
 */
export function decodeSegments(mappings: string, lineLengths: readonly number[]): Segment[] {
  const out: Segment[] = [];
  let lineStart = 0;
  let source = 0;
  let line = 0;
  let column = 0;
  mappings.split(';').forEach((group, genLine) => {
    let genColumn = 0;
    for (const part of group.split(',')) {
      if (part === '') continue;
      const [dCol = 0, dSource, dLine, dColumn] = decodeVlq(part);
      genColumn += dCol;
      if (dSource === undefined || dLine === undefined || dColumn === undefined) continue; // generated code with no origin
      source += dSource;
      line += dLine;
      column += dColumn;
      // tsx maps each file on its own: its first source is the file itself.
      if (source === 0) out.push({ offset: lineStart + genColumn, line, column });
    }
    lineStart += (lineLengths[genLine] ?? 0) + 1;
  });
  return out.sort((a, b) => a.offset - b.offset);
}
