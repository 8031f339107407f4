// Source text and spans. Every AST node and IR operation carries a Span (byte offsets into the
// UTF-16 source string); line and column are computed only when a diagnostic is rendered.

import { buildLineIndex, continuesCodePoint, endsLine, placeOf, startsWithBom } from "./line-index.js";

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

/** The 1-based column of `end` on the line starting at `lineStart`, in code points. */
function columnOf(text: string, lineStart: number, end: number): number {
  let column = 1;
  for (let i = lineStart === 0 && startsWithBom(text) ? 1 : lineStart; i < end; i++) {
    // count a surrogate pair once
    if (!continuesCodePoint(text, i)) column++;
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
 * Line and column for many offsets of one text: the lines are found once (buildLineIndex), then each
 * lookup is a binary search and a count of at most a checkpoint's code points (lineColOf rescans from
 * the start, which is quadratic over a large file's rules).
 */
export function lineColIndex(text: string): (offset: number) => LineCol {
  const index = buildLineIndex(text);
  return (offset) => {
    const { line, column } = placeOf(index, offset);
    return { line, column };
  };
}
