// Lexing with diagnostics: the token stream the parser reads, and the lexical problems found on the
// way (stray characters, unterminated strings, bad escapes, lone surrogates, names written with
// letters outside ASCII), each reported once with its span.

import type { IToken, TokenType } from "chevrotain";
import { error, inBackticks, type Diagnostic } from "../diagnostics.js";
import { lineColIndex, type LineCol, type Span } from "../source.js";
import { append } from "../../runtime/arrays.js";
import { isWellFormed } from "../../runtime/strings.js";
import { W } from "./diagnostic-codes.js";
import * as T from "./lexer.js";
import { tokenMatcher } from "./chevrotain.js";
import { codePoint, decodeStringLiteral, firstInvisible } from "./literals.js";
import { LONE_CURLY_QUOTE_HELP, readCurlyQuotes } from "./curly-quotes.js";
import { afterCommentDiagnostic, firstLineEndLookalike, lineEndLookalikeHelp, lineEndLookalikeReason } from "./line-end-lookalikes.js";

/** The span of a token's text. */
export const tokSpan = (t: IToken): Span => ({ start: t.startOffset, end: t.startOffset + t.image.length });

/** whether `name` and the token after it start a record's field (`name:` or `name?`) */
export const startsField = (name: IToken | undefined, after: IToken | undefined): boolean =>
  name !== undefined && tokenMatcher(name, T.AnyName) && (after?.tokenType === T.Colon || after?.tokenType === T.Question);

/** A UTF-16 unit of a surrogate pair without its other half. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A run of characters that start no token: where it starts in the text, and its length. */
export type StrayRun = T.LexResult["badChars"][number];

/**
 * Lexes and reports lexical problems: stray characters, unterminated strings, bad escapes, a
 * character shown as a line end that a `//` comment stopped before (line-end-lookalikes.ts), and lone
 * surrogates anywhere in the text. A file read as UTF-8 cannot hold one, but a string handed to
 * the API can; inside a literal it would reach the interpreter as a UTF-16 unit and the module as
 * U+FFFD (UTF-8 has no form for it), and the two backends would decide differently. Runs of
 * letters outside ASCII are handed back unreported, in `letterRuns`: in an expression they are
 * names (see readForeignNames), elsewhere the caller reports them as strays (reportStray). So is
 * each lone `&` or `|`, in `operatorRuns`: in an expression it stands for `&&` or `||`
 * (readStrayOperators), and in the input block a `|` joins a union type (union-types.ts); the
 * caller reports it as that, or as a stray.
 */
export function lexWithDiagnostics(text: string, diagnostics: Diagnostic[]): { lexed: T.LexResult; letterRuns: StrayRun[]; operatorRuns: StrayRun[]; strayStarts: number[] } {
  // where each character reported here as starting no token is, ascending (lone surrogates, runs)
  const strayStarts: number[] = [];
  if (!isWellFormed(text)) {
    for (const m of text.matchAll(LONE_SURROGATE)) {
      strayStarts.push(m.index);
      const unit = m[0].charCodeAt(0).toString(16).toUpperCase();
      diagnostics.push(error(W.UnexpectedCharacter, `a lone surrogate (U+${unit}) is not a character: policy text must be well-formed Unicode`, { start: m.index, end: m.index + 1 }, "write the character whole, or as an escape such as `\\u00e9` (surrogates cannot be escaped either)"));
    }
  }
  const raw = T.lex(text);
  // text between curly quotes is read as the string it was meant to be (reported once)
  const quoted = readCurlyQuotes(text, raw.tokens, raw.badChars, diagnostics);
  const lexed: T.LexResult = { ...raw, tokens: quoted.tokens, badChars: quoted.runs };
  const letterRuns: StrayRun[] = [];
  const operatorRuns: StrayRun[] = [];
  // a character a `//` comment stopped before (lexer.ts, Comment): said as the comment's end, once
  const endsComment = new Set<number>();
  for (const c of lexed.comments) {
    const after = c.startOffset + c.image.length;
    const ch = firstLineEndLookalike(text.charAt(after));
    if (ch === undefined) continue;
    diagnostics.push(afterCommentDiagnostic(ch, after));
    endsComment.add(after);
  }
  for (const run of lexed.badChars) {
    // the rest of a run whose first character ended a comment is a stray run of its own
    const b = endsComment.has(run.offset) ? { offset: run.offset + 1, length: run.length - 1 } : run;
    if (b.length === 0) continue;
    const chars = text.slice(b.offset, b.offset + b.length);
    // lone surrogates, said above as what they are: not a second time as characters
    if (chars.replace(LONE_SURROGATE, "") === "") continue;
    if (NAME_CHARACTERS.test(chars)) letterRuns.push(b);
    else if (STRAY_OPERATORS.has(chars)) operatorRuns.push(b);
    else {
      reportStray(text, b, diagnostics);
      strayStarts.push(b.offset);
    }
  }
  let lines: ((offset: number) => LineCol) | undefined;
  for (const c of lexed.foreignComments) {
    const what = c.image.startsWith("#") ? "`#`" : "`/* */`";
    const span = { start: c.startOffset, end: c.startOffset + (c.image.startsWith("#") ? 1 : 2) };
    const message = c.tokenType === T.UnclosedBlockComment
      ? `\`/*\` does not start a comment in Writ, and this one is never closed: it is read as a comment ${readTo(text, c, (lines ??= lineColIndex(text)))}`
      : `${what} does not start a comment in Writ`;
    diagnostics.push(error(W.UnexpectedCharacter, message, span, "a comment starts with `//` and runs to the end of the line"));
  }
  for (const t of lexed.tokens) {
    if (t.tokenType === T.UnterminatedString) {
      diagnostics.push(error(W.UnterminatedString, "unterminated string literal", tokSpan(t), unterminatedHelp(t.image)));
    } else if (t.tokenType === T.StringLiteral) {
      for (const p of decodeStringLiteral(t.image).problems) {
        diagnostics.push(error(W.InvalidEscape, p.message, { start: t.startOffset + p.offset, end: t.startOffset + p.offset + p.length }));
      }
    }
  }
  return { lexed, letterRuns, operatorRuns, strayStarts: strayStarts.sort((a, b) => a - b) };
}

/**
 * Where a `/*` never closed is read to (lexer.ts, scanBlockComment): the end of its line, of a later
 * line (the one before a declaration), or of the file.
 */
function readTo(text: string, comment: IToken, lines: (offset: number) => LineCol): string {
  const end = comment.startOffset + comment.image.length;
  if (end === text.length) return "to the end of the file";
  const last = lines(end).line;
  return last === lines(comment.startOffset).line ? "to the end of its line" : `to the end of line ${last}`;
}

/**
 * W0105 for characters that start no token, left out of the tokens the parser reads. A lone `&` or
 * `|` is told the operator to write where an expression is read (`inExpression`): elsewhere, in a
 * schema or a test's data, no operator may stand.
 */
export function reportStray(text: string, b: StrayRun, diagnostics: Diagnostic[], inExpression = false): void {
  // characters, not UTF-16 units: one emoji is one character
  const chars = [...text.slice(b.offset, b.offset + b.length)];
  const shown = chars.slice(0, 8).join("");
  // a character that shows as a space or as nothing (a no-break space, a zero-width space) is named
  // by its code point too: between backticks it looks like nothing wrong (one an editor may show as
  // a line end is named below, as what it is)
  const unseen = [...new Set(chars.slice(0, 8).filter((c) => firstInvisible(c) !== undefined))].map(codePoint);
  const named = unseen.length === 0 ? "" : ` (${unseen.join(", ")}, which cannot be seen for what ${unseen.length === 1 ? "it is" : "they are"})`;
  const message = `unexpected character${chars.length > 1 ? "s" : ""} ${inBackticks(shown)}`;
  // one an editor may show as a line end is named, by its code point: its escape alone says little
  const lookalike = firstLineEndLookalike(shown);
  if (lookalike !== undefined) {
    diagnostics.push(error(W.UnexpectedCharacter, `${message}: ${lineEndLookalikeReason(lookalike)}`, { start: b.offset, end: b.offset + b.length }, lineEndLookalikeHelp(lookalike)));
    return;
  }
  const help = (inExpression ? STRAY_OPERATORS.get(shown)?.help : undefined) ?? (CURLY_QUOTES.has(shown) ? LONE_CURLY_QUOTE_HELP : undefined);
  diagnostics.push(error(W.UnexpectedCharacter, message + named, { start: b.offset, end: b.offset + b.length }, help));
}

/** the curly quotes, which one alone on its line is told to write straight (curly-quotes.ts) */
const CURLY_QUOTES = new Set(["\u201c", "\u201d", "\u2018", "\u2019"]);

/**
 * A lone `&` or `|`, as other languages write a logical operator (and as Writ has no bitwise one):
 * the operator it is read as in an expression (readStrayOperators), and its help.
 */
const STRAY_OPERATORS: ReadonlyMap<string, { readonly meant: TokenType; readonly help: string }> = new Map([
  ["&", { meant: T.AndAnd, help: "write `&&` for `&`" }],
  ["|", { meant: T.OrOr, help: "write `||` for `|`" }],
]);

const LITERALS = new Set([T.IntLiteral, T.UintLiteral, T.DoubleLiteral, T.True, T.False, T.Null]);

/** whether an operand may end with token `t`: a name, a literal or a closing bracket */
const endsOperand = (t: IToken): boolean =>
  tokenMatcher(t, T.Ident) || tokenMatcher(t, T.AnyString) || LITERALS.has(t.tokenType) || t.tokenType === T.RParen || t.tokenType === T.RBracket || t.tokenType === T.RBrace;

/** whether an operand may start with token `t`: a name, a literal, an opening bracket, `!`, `-` or a leading `.` */
const startsOperand = (t: IToken): boolean =>
  tokenMatcher(t, T.Ident) || tokenMatcher(t, T.AnyString) || LITERALS.has(t.tokenType) || [T.LParen, T.LBracket, T.LBrace, T.Bang, T.Minus, T.Dot].includes(t.tokenType);

/**
 * The operators readStrayOperators made, and those readComparisonSlips made (operator-slips.ts):
 * each is reported (W0105, W0101), and a parse error at one is not reported again.
 */
export const STRAY_OPERATOR_TOKENS = new WeakSet<IToken>();

/**
 * An expression's tokens with each lone `&` or `|` (`operatorRuns`, in text order, reported by
 * the caller) read as the `&&` or `||` it stands for: left out, the operands on either side
 * of it met with no operator between them, and the parser reported that too, a second error for
 * one slip. The token keeps the character's text, so that its span is the character's own. Only one
 * between two operands is read so: elsewhere (`(a &)`, `f(& x)`) an operator would be an error
 * where, left out, there is none.
 */
export function readStrayOperators(tokens: IToken[], operatorRuns: readonly StrayRun[], text: string): IToken[] {
  if (operatorRuns.length === 0) return tokens;
  const read: IToken[] = [];
  let k = 0;
  const operator = (r: StrayRun): IToken => {
    const meant = STRAY_OPERATORS.get(text.slice(r.offset, r.offset + r.length))!.meant;
    const t: IToken = { image: text.slice(r.offset, r.offset + r.length), startOffset: r.offset, endOffset: r.offset, tokenType: meant, tokenTypeIdx: meant.tokenTypeIdx! };
    STRAY_OPERATOR_TOKENS.add(t);
    return t;
  };
  for (const t of tokens) {
    for (; k < operatorRuns.length && operatorRuns[k]!.offset < t.startOffset; k++) {
      const before = read[read.length - 1];
      if (before !== undefined && endsOperand(before) && startsOperand(t)) read.push(operator(operatorRuns[k]!));
    }
    read.push(t);
  }
  return read;
}

/** The names readForeignNames made: each is reported, and a parse error at one is not reported again. */
export const FOREIGN_NAMES = new WeakSet<IToken>();

/** Letters, marks and digits of any script, and `_`: what a name outside ASCII is made of. */
const NAME_CHARACTERS = /^[\p{L}\p{M}\p{N}_]+$/u;
/** A token that is part of a name where letters outside ASCII continue it: a name or a number. */
const ASCII_NAME_PART = /^[_A-Za-z0-9]+$/;

/**
 * An expression's tokens with each name written with letters outside ASCII (`résumé`, `é`) read
 * as one identifier, and reported once, whole (W0105). The lexer leaves those letters out, and the
 * parser, reading what was left (`r`, `sum`), reported errors that were the name's, said again:
 * `exists(é, é == "a")` was read as `exists(, == "a")`. Outside expressions (a test's data, where
 * a name is no value) the runs are strays as any other (reportStray). `runs` are in text order.
 */
export function readForeignNames(text: string, tokens: IToken[], runs: readonly StrayRun[], diagnostics: Diagnostic[]): IToken[] {
  if (runs.length === 0) return tokens;
  // the tokens and the letter runs in text order; touching, they are pieces of one name
  type Piece = { readonly start: number; readonly end: number; readonly image: string; readonly token?: IToken };
  const pieces: Piece[] = [];
  const run = (r: StrayRun): Piece => ({ start: r.offset, end: r.offset + r.length, image: text.slice(r.offset, r.offset + r.length) });
  let k = 0;
  for (const t of tokens) {
    for (; k < runs.length && runs[k]!.offset < t.startOffset; k++) pieces.push(run(runs[k]!));
    pieces.push({ start: t.startOffset, end: t.startOffset + t.image.length, image: t.image, token: t });
  }
  for (; k < runs.length; k++) pieces.push(run(runs[k]!));
  const read: IToken[] = [];
  const joins = (p: Piece) => p.token === undefined || ASCII_NAME_PART.test(p.image);
  for (let i = 0; i < pieces.length; ) {
    // the longest run of touching name pieces from here
    let j = i + 1;
    if (joins(pieces[i]!)) while (j < pieces.length && joins(pieces[j]!) && pieces[j]!.start === pieces[j - 1]!.end) j++;
    const group = pieces.slice(i, j);
    i = j;
    if (group.every((p) => p.token !== undefined)) {
      append(read, group.map((p) => p.token!));
      continue;
    }
    const image = group.map((p) => p.image).join("");
    const start = group[0]!.start;
    const name: IToken = { image, startOffset: start, endOffset: start + image.length - 1, tokenType: T.Identifier, tokenTypeIdx: T.Identifier.tokenTypeIdx! };
    FOREIGN_NAMES.add(name);
    read.push(name);
    const strays = [...new Set(group.filter((p) => p.token === undefined).flatMap((p) => [...p.image]))];
    const shown = [...image].length > 24 ? [...image].slice(0, 21).join("") + "..." : image;
    const plural = strays.length > 1 ? "s" : "";
    // (a name of such letters alone is not named twice)
    const message = group.every((p) => p.token === undefined)
      ? `unexpected character${plural} \`${shown}\``
      : `unexpected character${plural} ${strays.slice(0, 8).map((c) => `\`${c}\``).join(", ")} in the name \`${shown}\``;
    diagnostics.push(error(W.UnexpectedCharacter, message, { start, end: start + image.length }, "a name is written with ASCII letters, digits and `_`; other text goes in a string"));
  }
  return read;
}

/**
 * How to close an unterminated string. One of three quotes (`"""` or `'''`, after any `r` or `b`
 * prefix) ran to the end of the file: it needs its three quotes, and being told to use them says
 * nothing. One of one quote ended with its line, and three quotes are the way past it.
 */
function unterminatedHelp(image: string): string {
  const triple = /^[rRbB]{0,2}("""|''')/.exec(image)?.[1];
  if (triple) return `close the string with \`${triple}\`, as it opens: nothing after it does, so it runs to the end of the file`;
  return "close the string with the quote it starts with, on the same line (or use `\"\"\"` for text over several lines)";
}
