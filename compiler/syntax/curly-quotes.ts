// Text between curly quotes (`“GET”`, `‘x’`), as a word processor or a web page writes quotes and as
// a policy pasted from one keeps them. No token starts with a curly quote: each was reported as an
// unexpected character, and the text between them was read as code (`GET`, a name; `“GET request”`,
// two names with no operator between them, a second error). A pair on one line is reported once,
// with the string to write, and read as that string, so that the text around it parses as written.

import type { IToken } from "chevrotain";
import { error, inBackticks, type Diagnostic } from "../diagnostics.js";
import { W } from "./diagnostic-codes.js";
import * as T from "./lexer.js";
import type { StrayRun } from "./lexing.js";
import { firstInvisible } from "./literals.js";

/** each curly quote, and its kind: a pair is two of one kind, either way round (`”GET”` too) */
const KIND: ReadonlyMap<string, "double" | "single"> = new Map([
  ["\u201c", "double"],
  ["\u201d", "double"],
  ["\u2018", "single"],
  ["\u2019", "single"],
]);

/**
 * The straight quote a string holding `inside` is written with: `"`, as `writ fmt` writes strings,
 * or `'` where `inside` holds a `"`; undefined where it cannot be written with either as it is.
 */
function straightQuote(inside: string): '"' | "'" | undefined {
  if (/[\r\n\\]/.test(inside)) return undefined;
  if (!inside.includes('"')) return '"';
  return inside.includes("'") ? undefined : "'";
}

/** Two curly quotes read as a string: where they are, and the straight quote it is written with. */
interface Pair {
  readonly open: number;
  readonly close: number;
  readonly straight: '"' | "'";
}

/** Longest text a help writes out between the quotes; a longer one is not written out. */
const MAX_SHOWN_TEXT = 60;

/**
 * The help for a pair of curly quotes around `inside`: the string to write, exactly as the text
 * is, between straight quotes; where it is too long to read, or holds a character a reader cannot
 * see, only the quote to write, as a string cut short or looking like another would be one that
 * was not written.
 */
function straightQuotesHelp(inside: string, straight: '"' | "'"): string {
  if (inside.length > MAX_SHOWN_TEXT || firstInvisible(inside) !== undefined) return `use straight quotes: \`${straight}\` at each end of the string`;
  return `use straight quotes: ${inBackticks(straight + inside + straight)}`;
}

/** whether the quote at `at` is an apostrophe, a `’` between two letters (`it’s`): no quote opens or closes there */
const isApostrophe = (text: string, at: number): boolean => text[at] === "\u2019" && LETTER.test(text[at - 1] ?? "") && LETTER.test(text[at + 1] ?? "");
const LETTER = /^\p{L}$/u;

/** The help for a curly quote left without a partner on its line. */
export const LONE_CURLY_QUOTE_HELP = 'a string is written between straight quotes, `"` or `\'`';

/**
 * Reads each pair of curly quotes of one kind (double or single, either way round) on one line, with
 * nothing between them that a string could not hold as written (a line end, a backslash, both
 * straight quotes): it is reported once (W0105), with the string to write (in `"`, as `writ fmt`
 * writes strings, or `'` where the text holds a `"`), and its text is one string token in
 * `tokens`, which stands where the pair does. Gives the tokens so read, and the runs
 * of characters that start no token, the quotes of each pair taken out of them (runs holding other
 * characters besides are cut around them). `runs` are in text order.
 */
export function readCurlyQuotes(text: string, tokens: IToken[], runs: readonly StrayRun[], diagnostics: Diagnostic[]): { tokens: IToken[]; runs: StrayRun[] } {
  // every curly quote that starts no token, in text order
  const quotes: number[] = [];
  for (const r of runs) for (let i = r.offset; i < r.offset + r.length; i++) if (KIND.has(text[i]!)) quotes.push(i);
  if (quotes.length < 2) return { tokens, runs: [...runs] };
  const pairs: Pair[] = [];
  for (let k = 0; k + 1 < quotes.length; ) {
    const open = quotes[k]!;
    const kind = KIND.get(text[open]!)!;
    if (isApostrophe(text, open)) {
      k++;
      continue;
    }
    // the next quote of the same kind (one of the other kind may stand inside: `“it’s”`, and an
    // apostrophe: `‘it’s’`)
    let m = k + 1;
    while (m < quotes.length && (KIND.get(text[quotes[m]!]!) !== kind || isApostrophe(text, quotes[m]!))) m++;
    const close = quotes[m];
    const straight = close === undefined ? undefined : straightQuote(text.slice(open + 1, close));
    if (close === undefined || straight === undefined) {
      k++;
      continue;
    }
    pairs.push({ open, close, straight });
    k = m + 1;
  }
  if (pairs.length === 0) return { tokens, runs: [...runs] };
  for (const { open, close, straight } of pairs) {
    diagnostics.push(error(W.UnexpectedCharacter, `unexpected characters \`${text[open]}\` and \`${text[close]}\``, { start: open, end: close + 1 }, straightQuotesHelp(text.slice(open + 1, close), straight)));
  }
  return { tokens: replaceQuoted(text, tokens, pairs), runs: cutRuns(runs, pairs) };
}

/** `tokens` with those inside each pair taken out and one string token put in the pair's place. */
function replaceQuoted(text: string, tokens: readonly IToken[], pairs: readonly Pair[]): IToken[] {
  const read: IToken[] = [];
  let p = 0;
  for (const t of tokens) {
    while (p < pairs.length && pairs[p]!.close < t.startOffset) read.push(stringToken(text, pairs[p++]!));
    const pair = pairs[p];
    if (pair !== undefined && t.startOffset > pair.open && t.startOffset < pair.close) continue;
    read.push(t);
  }
  while (p < pairs.length) read.push(stringToken(text, pairs[p++]!));
  return read;
}

/** The string token a pair of curly quotes stands for: as long as the pair, so its span is the pair's. */
function stringToken(text: string, { open, close, straight }: Pair): IToken {
  const image = straight + text.slice(open + 1, close) + straight;
  return { image, startOffset: open, endOffset: close, tokenType: T.StringLiteral, tokenTypeIdx: T.StringLiteral.tokenTypeIdx! };
}

/** `runs` without the characters from each pair's opening quote to its closing one. */
function cutRuns(runs: readonly StrayRun[], pairs: readonly Pair[]): StrayRun[] {
  const cut: StrayRun[] = [];
  let p = 0;
  for (const r of runs) {
    let from = r.offset;
    const end = r.offset + r.length;
    while (p < pairs.length && pairs[p]!.close < from) p++;
    for (let q = p; q < pairs.length && pairs[q]!.open < end; q++) {
      const { open, close } = pairs[q]!;
      if (open > from) cut.push({ offset: from, length: open - from });
      from = Math.max(from, close + 1);
    }
    if (from < end) cut.push({ offset: from, length: end - from });
  }
  return cut;
}
