// Source text and spans. Every AST node and IR operation carries a Span (byte offsets into the
// UTF-16 source string); line and column are computed only when a diagnostic is rendered.

export interface Span {
  /** offset of the first character (UTF-16 code units into SourceFile.text) */
  readonly start: number;
  /** offset one past the last character */
  readonly end: number;
}

export interface SourceFile {
  /** the name shown in diagnostics, e.g. `policies/payments.writ` */
  readonly name: string;
  readonly text: string;
}

export const NO_SPAN: Span = Object.freeze({ start: 0, end: 0 });

export function span(start: number, end: number): Span {
  return { start, end };
}

export function joinSpans(a: Span, b: Span): Span {
  return { start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}

export interface LineCol {
  /** 1-based line */
  line: number;
  /** 1-based column, counted in code points */
  column: number;
}

/**
 * Whether the character at `i` ends a line: `\n`, or a `\r` not followed by `\n` (old Mac line
 * endings, which the lexer accepts as whitespace; counting only `\n` put a whole such file on line 1).
 */
function endsLine(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10);
}

/** Computes the 1-based line and column of an offset. Columns count code points so carets line up. */
export function lineColOf(text: string, offset: number): LineCol {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = 0; i < end; i++) {
    if (endsLine(text, i)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: columnOf(text, lineStart, end) };
}

/**
 * Whether the text starts with a byte-order mark (editors on Windows write one). The text as read
 * keeps it, and the lexer reads it as a space, which keeps offsets; but an editor shows nothing
 * there, so line 1's columns and its echoed text leave it out (counted, every column was one off).
 */
function startsWithBom(text: string): boolean {
  return text.charCodeAt(0) === 0xfeff;
}

/** The 1-based column of `end` on the line starting at `lineStart`, in code points. */
function columnOf(text: string, lineStart: number, end: number): number {
  let column = 1;
  for (let i = lineStart === 0 && startsWithBom(text) ? 1 : lineStart; i < end; i++) {
    const c = text.charCodeAt(i);
    // count a surrogate pair once
    if (c >= 0xdc00 && c <= 0xdfff && i > lineStart) {
      const p = text.charCodeAt(i - 1);
      if (p >= 0xd800 && p <= 0xdbff) continue;
    }
    column++;
  }
  return column;
}

/** The text of the line containing `offset`, without its line terminator (nor the file's byte-order mark). */
export function lineTextAt(text: string, offset: number): string {
  const o = Math.min(Math.max(offset, 0), text.length);
  let start = o;
  while (start > 0 && !endsLine(text, start - 1)) start--;
  let end = o;
  while (end < text.length && text.charCodeAt(end) !== 10 && text.charCodeAt(end) !== 13) end++;
  return text.slice(start === 0 && startsWithBom(text) ? 1 : start, end);
}

/**
 * Line and column for many offsets of one text: the line starts are found once, then each lookup is a
 * binary search (lineColOf rescans from the start, which is quadratic over a large file's rules).
 */
export function lineColIndex(text: string): (offset: number) => LineCol {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (endsLine(text, i)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    const lineStart = starts[lo]!;
    return { line: lo + 1, column: columnOf(text, lineStart, Math.min(Math.max(offset, 0), text.length)) };
  };
}
