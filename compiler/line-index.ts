// The lines of a source text, found in one pass, so that placing many offsets in it (every
// diagnostic of a file, every rule) costs each a binary search and a count of a few dozen characters
// rather than a rescan of the text from its start, which over a file of one long line with tens of
// thousands of diagnostics is quadratic.

/**
 * Whether the character at `i` ends a line: `\n`, or a `\r` not followed by `\n` (old Mac line
 * endings, which the lexer accepts as whitespace; counting only `\n` put a whole such file on line 1).
 */
export function endsLine(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10);
}

/**
 * Whether the text starts with a byte-order mark (editors on Windows write one). The text as read
 * keeps it, and the lexer reads it as a space, which keeps offsets; but an editor shows nothing
 * there, so line 1's columns and its echoed text leave it out (counted, every column was one off).
 */
export function startsWithBom(text: string): boolean {
  return text.charCodeAt(0) === 0xfeff;
}

/** Whether the UTF-16 unit at `i` is the second half of a surrogate pair, which counts as one code point with the first. */
export function continuesCodePoint(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c < 0xdc00 || c > 0xdfff || i <= 0) return false;
  const p = text.charCodeAt(i - 1);
  return p >= 0xd800 && p <= 0xdbff;
}

/** How far apart, in UTF-16 units, the index keeps a count of the code points before an offset. */
const CHECKPOINT = 64;

export interface LineIndex {
  /** the text indexed: an index is of this text only */
  readonly text: string;
  /** the offset each line starts at, line 1's (at 0) first */
  readonly lineStarts: Uint32Array;
  /** at `k`, the code points starting before offset `k * CHECKPOINT` */
  readonly codePointsAtCheckpoints: Uint32Array;
}

/** Finds the lines and counts the code points of a text, in one pass over it. */
export function buildLineIndex(text: string): LineIndex {
  let lines = 1;
  for (let i = 0; i < text.length; i++) if (endsLine(text, i)) lines++;
  const lineStarts = new Uint32Array(lines);
  const codePointsAtCheckpoints = new Uint32Array(Math.floor(text.length / CHECKPOINT) + 1);
  let line = 1;
  let codePoints = 0;
  for (let i = 0; i < text.length; i++) {
    if (i % CHECKPOINT === 0) codePointsAtCheckpoints[i / CHECKPOINT] = codePoints;
    if (!continuesCodePoint(text, i)) codePoints++;
    if (endsLine(text, i)) lineStarts[line++] = i + 1;
  }
  if (text.length % CHECKPOINT === 0) codePointsAtCheckpoints[text.length / CHECKPOINT] = codePoints;
  return { text, lineStarts, codePointsAtCheckpoints };
}

/** An offset moved into the text: before it (or not a number) is its start, past it its end. */
export function offsetInText(text: string, offset: number): number {
  return offset > 0 ? Math.min(offset, text.length) : 0;
}

/** The code points starting before `offset` (in the text), counted from the nearest checkpoint before it. */
function codePointsBefore(index: LineIndex, offset: number): number {
  const checkpoint = Math.floor(offset / CHECKPOINT);
  let count = index.codePointsAtCheckpoints[checkpoint]!;
  for (let i = checkpoint * CHECKPOINT; i < offset; i++) if (!continuesCodePoint(index.text, i)) count++;
  return count;
}

/** The code points starting in [from, to) of the indexed text; none when `to` is not past `from`. */
export function codePointsBetween(index: LineIndex, from: number, to: number): number {
  return to > from ? codePointsBefore(index, to) - codePointsBefore(index, from) : 0;
}

/** Where an offset is: its line and column, and the text of its line as a diagnostic shows it. */
export interface Place {
  /** 1-based line */
  readonly line: number;
  /** 1-based column, counted in code points (a surrogate pair is one) */
  readonly column: number;
  /** where the line's shown text starts: the line's start, past the byte-order mark opening the file */
  readonly textStart: number;
  /**
   * where the line's shown text ends: at the first `\n` or `\r` from the offset on (the line's
   * terminator; an offset at the `\n` of a `\r\n` shows the `\r` before it)
   */
  readonly textEnd: number;
  /** the code points of the line's shown text */
  readonly codePoints: number;
}

/** The index (0-based) of the line holding `offset`, by a binary search over the ascending `lineStarts` (the first is 0). */
export function lineHolding(lineStarts: Uint32Array, offset: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Where `offset` (moved into the text) is, by a binary search over the line starts. */
export function placeOf(index: LineIndex, offset: number): Place {
  const { text, lineStarts } = index;
  const at = offsetInText(text, offset);
  const lo = lineHolding(lineStarts, at);
  const lineStart = lineStarts[lo]!;
  const textStart = lineStart === 0 && startsWithBom(text) ? 1 : lineStart;
  // the line's own terminator: a line holds no `\n` nor `\r` but the `\n`, lone `\r` or `\r\n` ending it
  let terminator = text.length;
  if (lo + 1 < lineStarts.length) {
    const next = lineStarts[lo + 1]!;
    terminator = text.charCodeAt(next - 1) === 10 && text.charCodeAt(next - 2) === 13 ? next - 2 : next - 1;
  }
  const textEnd = Math.max(at, terminator);
  return { line: lo + 1, column: 1 + codePointsBetween(index, textStart, at), textStart, textEnd, codePoints: codePointsBetween(index, textStart, textEnd) };
}

/** The offset `count` code points after `at` (the start of a code point), or before it for a negative count. */
export function stepCodePoints(text: string, at: number, count: number): number {
  let offset = at;
  for (let n = count; n > 0; n--) offset += continuesCodePoint(text, offset + 1) ? 2 : 1;
  for (let n = count; n < 0; n++) offset -= continuesCodePoint(text, offset - 1) ? 2 : 1;
  return offset;
}
