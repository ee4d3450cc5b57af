/**
 * Where the statement around a stack frame's position ends, in the original TypeScript text.
 * A frame points at the call that threw, which may be the first line of a statement spanning
 * several (`await vm.run([` ... `], hold.fraction(1));`): the lines of its arguments ran before
 * the call did, so only the lines after the statement's last one are lines the error skipped.
 *
 * A scan of brackets, strings and comments rather than a parse: it needs only to find the `;`
 * or line end that closes the statement, and runs once per recorded frame.
 */

const OPEN = new Set(['(', '[', '{']);
const CLOSE = new Set([')', ']', '}']);
/** A line starting with one of these continues the expression of the line before. */
const CONTINUES = /^(?:[.?)\],:+\-*/%&|^=<>]|as\s|satisfies\s)/;
/** A line ending with one of these goes on on the next (an argument list, an operator). */
const OPEN_ENDED = new Set([',', '+', '-', '*', '/', '%', '&', '|', '^', '=', '<', '>', '?', ':', '.']);

/** 0-based line of the end of the statement holding the 0-based position (line, column). */
export function statementEndLine(text: string, line: number, column: number): number {
  const lines = text.split('\n');
  let i = lines.slice(0, line).reduce((n, l) => n + l.length + 1, 0) + column;
  let depth = 0;
  let at = line;
  let lastCode = line;
  let lastChar = '';
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') {
      at++;
      if (depth > 0 || OPEN_ENDED.has(lastChar)) continue;
      const next = lines[at]?.trimStart() ?? '';
      if (next !== '' && !CONTINUES.test(next) && !next.startsWith('//') && !next.startsWith('/*')) return lastCode;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') continue;
    if (c === '/' && text[i + 1] === '/') {
      i = text.indexOf('\n', i) - 1;
      if (i < 0) break;
      continue;
    }
    if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) break;
      at += text.slice(i, end).split('\n').length - 1;
      i = end + 1;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      at += text.slice(i, j).split('\n').length - 1;
      i = j;
      lastCode = at;
      lastChar = c;
      continue;
    }
    if (OPEN.has(c)) depth++;
    else if (CLOSE.has(c)) {
      depth--;
      // The block around the statement closed: the statement ended before this bracket.
      if (depth < 0 && c === '}') return lastCode;
    } else if (c === ';' && depth <= 0) return at;
    lastCode = at;
    lastChar = c;
  }
  return lastCode;
}
