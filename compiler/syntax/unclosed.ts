// Brackets left open. The parser meets the missing `)`, `]` or `}` only where the declaration ends,
// at the next one, often lines below the bracket that needed it: these find the bracket, so that
// the error can name it, and what an input block's record left open swallowed.

import type { IToken, TokenType } from "chevrotain";
import type * as A from "./ast.js";
import { tokenMatcher } from "./chevrotain.js";
import * as T from "./lexer.js";
import { CLOSERS, OPENERS } from "./nesting.js";
import { startsField } from "./lexing.js";
import { buildLineIndex, lineHolding } from "../line-index.js";

/** the opener each closer closes */
const OPENER_OF = new Map([
  [T.RParen, [T.LParen]],
  [T.RBracket, [T.LBracket, T.LBracketQuestion]],
  [T.RBrace, [T.LBrace]],
]);

/** the closer that closes each opener, as messages name it */
const CLOSER_IMAGE = new Map([
  [T.LParen, ")"],
  [T.LBracket, "]"],
  [T.LBracketQuestion, "]"],
  [T.LBrace, "}"],
]);

/**
 * The brackets open before each token of a declaration, met in order: `before(i)` answers, with
 * their indices in `tokens`, innermost last, for the token at index `i` (the length of the tokens
 * for the end of the declaration). A closer closes the innermost bracket of its kind, and any left
 * open inside it with it; one that closes nothing is passed over. Asked in increasing order, the
 * tokens are read once in all; asked for an earlier token, it answers undefined. `closes` is told
 * the index of each bracket a closer closes.
 */
export function openBracketsReader(tokens: readonly IToken[], closes?: (opener: number) => void): (index: number) => readonly number[] | undefined {
  const open: number[] = [];
  // per closer, where in `open` it may find its bracket, innermost last: an entry that no longer
  // holds one of its brackets is stale and dropped when met, so that a closer finds its bracket
  // in amortised constant time however many of another kind are left open (`( ] ( ] …`)
  const places = new Map<TokenType, number[]>([...OPENER_OF.keys()].map((k) => [k, []]));
  let read = 0;
  return (index) => {
    if (index < read) return undefined;
    for (; read < index && read < tokens.length; read++) {
      const kind = tokens[read]!.tokenType;
      if (OPENERS.has(kind)) {
        for (const [closer, opens] of OPENER_OF) if (opens.includes(kind)) places.get(closer)!.push(open.length);
        open.push(read);
      } else if (CLOSERS.has(kind)) {
        const at = places.get(kind)!;
        const opens = OPENER_OF.get(kind)!;
        for (let p = at[at.length - 1]; p !== undefined; p = at[at.length - 1]) {
          at.pop();
          if (p < open.length && opens.includes(tokens[open[p]!]!.tokenType)) {
            closes?.(open[p]!);
            open.length = p;
            break;
          }
        }
      }
    }
    return open;
  };
}

/**
 * Where the brackets a closer closes start, read over the whole text rather than one declaration:
 * a keyword that starts a declaration (`@`, `permit`) cuts the one around it short wherever it
 * is written, and the bracket it was written inside is left open in that declaration, though a
 * closer further on closes it.
 */
export function closedBrackets(tokens: readonly IToken[]): ReadonlySet<number> {
  const closed = new Set<number>();
  openBracketsReader(tokens, (opener) => closed.add(tokens[opener]!.startOffset))(tokens.length);
  return closed;
}

/**
 * Whether a parse error's message says a closer was expected, and the bracket it closes: the
 * innermost of `open` when it is that closer's (`expected \`)\`` with a `(` open).
 */
function bracketExpected(message: string, tokens: readonly IToken[], open: readonly number[] | undefined): IToken | undefined {
  const last = open?.[open.length - 1];
  const innermost = last === undefined ? undefined : tokens[last];
  const closer = innermost && CLOSER_IMAGE.get(innermost.tokenType);
  return closer !== undefined && message.startsWith(`expected \`${closer}\``) ? innermost : undefined;
}

/**
 * Help for a parse error at the end of a declaration or at a closer of the wrong kind, which is
 * where the parser meets a bracket left open, or an operator left without its right side: the
 * bracket or the operator, and where it is (`place` tells an offset's line and column). `found`
 * is the token the error is at, at the end of a declaration the next one's first. `open` are
 * the brackets open before the error's token (their indices in the declaration's `tokens`, as
 * openBracketsReader gives them); `last` is the declaration's last token, and
 * `cutShort` what another declaration after it cut short (`a condition`), if one comes after it;
 * `closedLater` tells a bracket that a closer after the declaration closes (closedBrackets).
 */
export function leftOpenHelp(
  message: string,
  found: IToken,
  atEnd: boolean,
  tokens: readonly IToken[],
  open: readonly number[] | undefined,
  last: IToken | undefined,
  cutShort: string | undefined,
  place: (offset: number) => string,
  closedLater: (bracket: IToken) => boolean,
): string | undefined {
  const bracket = bracketExpected(message, tokens, open);
  if (bracket && atEnd && closedLater(bracket)) return `\`${found.image}\` starts a new declaration wherever it is written: it cut this one short inside the \`${bracket.image}\` at ${place(bracket.startOffset)}`;
  if (bracket && atEnd) return `the \`${bracket.image}\` at ${place(bracket.startOffset)} is never closed`;
  if (bracket && CLOSERS.has(found.tokenType)) return `the \`${bracket.image}\` at ${place(bracket.startOffset)} is not closed before this \`${found.image}\``;
  if (!atEnd || last === undefined || !message.startsWith("expected an expression")) return undefined;
  const where = place(last.startOffset);
  // (a declaration ends where the next starts, not at a line's end: the next is what was found)
  const next = cutShort === undefined ? "" : `: ${cutShort} ends where the next declaration starts`;
  if (last.tokenType === T.When) return `nothing follows the \`when\` at ${where}${next}`;
  if (last.tokenType === T.Assign) return `nothing follows the \`=\` at ${where}${next}`;
  if (tokenMatcher(last, T.BinOp) || last.tokenType === T.Bang) return `the \`${last.image}\` at ${where} has nothing on its right${next}`;
  return undefined;
}

/**
 * Help for a field's type left open where the next field starts, in an input block (`c: list<int>(5`
 * then `d: bool`, commas or not): the `(` of its bound or the `<` of its type arguments, and where it
 * is. `index` is the error's token among `tokens`; the help is given only where that token starts a
 * field (or is the `,` before one) and the message expects what would have closed the bracket (or
 * the bound's number).
 */
export function fieldTypeLeftOpenHelp(message: string, tokens: readonly IToken[], index: number, place: (offset: number) => string): string | undefined {
  // (the error is at the next field's name, or at the `,` before it)
  const next = tokens[index]?.tokenType === T.Comma ? index + 1 : index;
  const found = tokens[next];
  if (found === undefined || !startsField(found, tokens[next + 1])) return undefined;
  const opener = message.startsWith("expected `)`") || message.startsWith("expected a number") ? T.LParen : message.startsWith("expected `>`") ? T.Lt : undefined;
  if (opener === undefined) return undefined;
  // back to the start of the field the type is of
  for (let i = index - 1; i >= 0 && !startsField(tokens[i], tokens[i + 1]); i--) {
    const t = tokens[i]!;
    if (t.tokenType === opener) return `the \`${t.image}\` at ${place(t.startOffset)} is never closed: \`${found.image}\` starts the next field`;
  }
  return undefined;
}

/** Where a token stands on its line, for telling fields apart by layout. */
export interface LinePlace {
  /** whether it is the first thing on its line */
  readonly startsLine: boolean;
  /** how far in it is, in UTF-16 units from the line's start */
  readonly column: number;
  /** how far in its line's first token is */
  readonly indent: number;
}

/** Where offsets of one text stand on their lines. */
export type Layout = (offset: number) => LinePlace;

/**
 * The Layout of `text`. Its lines are found once, when first asked for, and each line's indentation
 * once: scanning back to the line's start for every field made a record of many fields on one long
 * line quadratic (20,000 fields in 4 MB took minutes).
 */
export function textLayout(text: string): Layout {
  let lineStarts: Uint32Array | undefined;
  const indents = new Map<number, number>();
  return (offset) => {
    lineStarts ??= buildLineIndex(text).lineStarts;
    const lo = lineHolding(lineStarts, offset);
    const lineStart = lineStarts[lo]!;
    let indent = indents.get(lo);
    if (indent === undefined) {
      let i = lineStart;
      while (i < text.length && (text[i] === " " || text[i] === "\t")) i++;
      indent = i - lineStart;
      indents.set(lo, indent);
    }
    const column = offset - lineStart;
    return { startsLine: column === indent, column, indent };
  };
}

/**
 * The `{` of an object left open in a test's data, told by layout, with the key it is the value of:
 * the outermost object, inside the one whose `{` is at `outer` (the test's request), holding a key
 * that starts a line no further in than the key before that object's `{`. In
 * `request: { op: "q",` left open with `dataset: {…}` on the next line under `request`, every key
 * after it was read as `request`'s, `expect` too. Undefined where layout tells nothing.
 */
export function objectLeftOpen(tokens: readonly IToken[], outer: number, end: number, layout: Layout): { key: IToken; opener: IToken } | undefined {
  // the objects open inside the outer one, with the key each is the value of and how far in it is
  const open: { opener: IToken; key: IToken | undefined; column: number }[] = [];
  for (let i = outer + 1; i < end; i++) {
    const t = tokens[i]!;
    if (OPENERS.has(t.tokenType)) {
      const key = tokens[i - 1]?.tokenType === T.Colon ? tokens[i - 2] : undefined;
      open.push({ opener: t, key, column: key ? layout(key.startOffset).column : Infinity });
    } else if (CLOSERS.has(t.tokenType)) {
      if (open.length === 0) return undefined;
      open.pop();
    } else if (tokens[i + 1]?.tokenType === T.Colon) {
      const at = layout(t.startOffset);
      if (!at.startsLine) continue;
      const leftOpen = open.find((o) => o.opener.tokenType === T.LBrace && o.key !== undefined && o.column >= at.column);
      if (leftOpen) return { key: leftOpen.key!, opener: leftOpen.opener };
    }
  }
  return undefined;
}

/** A record of the input block left open, and the block as it was more likely meant. */
export interface RecordLeftOpen {
  /** the top-level field whose record is not closed */
  readonly field: A.FieldDecl;
  /** that record's `{` */
  readonly opener: A.RecordTypeExpr;
  /** the block with that record ending before the first field written as a sibling of `field`, and those fields declared untyped */
  readonly input: A.InputDecl;
}

/**
 * The record left open in an input block that lacks its own `}`: with `principal: { id: string`
 * unclosed, every field after it (`payment`, `context`) was read as one of `principal`'s, and the
 * block's `}` as the record's. Only the record that reaches the block's end can be the one: any
 * before it found its own `}`. Which record was left open is told by layout: the first field inside
 * a top-level field's record that starts a line no further in than that top-level field's line is
 * taken as its sibling. The block given back ends that record before it, and declares it and the fields
 * after it in the same record untyped: their types as read are still a guess, and each use would
 * be reported as a field of the wrong record. Undefined where layout tells nothing.
 */
export function recordLeftOpen(input: A.InputDecl, layout: Layout): RecordLeftOpen | undefined {
  for (const [i, field] of input.fields.entries()) {
    // (a record closed before the block's end found its own `}`: the `}` missing is another's)
    if (field.type.kind !== "RecordTypeExpr" || field.type.span.end < input.span.end) continue;
    // how far in the field's line starts: `input { agent: {` puts `agent` far in, its fields less
    const own = layout(field.name.span.start).indent;
    const sibling = firstField(field.type, (f) => {
      const at = layout(f.name.span.start);
      return at.startsLine && at.column <= own;
    });
    if (!sibling) continue;
    const cut = sibling.name.span.start;
    const moved: A.Identifier[] = [];
    const trimmed: A.FieldDecl = { ...field, type: endBefore(field.type, cut, moved) };
    const declared = new Set([...input.fields.map((f) => f.name.name), ...(input.untyped ?? []).map((n) => n.name)]);
    const untyped = [...(input.untyped ?? []), ...moved.filter((n) => !declared.has(n.name))];
    const fields = input.fields.map((f, k) => (k === i ? trimmed : f));
    return { field, opener: field.type, input: { ...input, fields, untyped } };
  }
  return undefined;
}

/** The first field, in text order, in a record or the records nested in it, that `test` picks. */
function firstField(record: A.RecordTypeExpr, test: (f: A.FieldDecl) => boolean): A.FieldDecl | undefined {
  // (a record type nests no deeper than the input block's nesting limit allows)
  for (const f of record.fields) {
    if (test(f)) return f;
    if (f.type.kind === "RecordTypeExpr") {
      const inner = firstField(f.type, test);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** `record` without the fields from offset `cut` on, at every level; the names of those left out of it or a record around `cut` go into `moved`. */
function endBefore(record: A.RecordTypeExpr, cut: number, moved: A.Identifier[]): A.RecordTypeExpr {
  const fields: A.FieldDecl[] = [];
  for (const f of record.fields) {
    if (f.name.span.start >= cut) moved.push(f.name);
    else if (f.type.kind === "RecordTypeExpr" && f.type.span.end > cut) fields.push({ ...f, type: endBefore(f.type, cut, moved) });
    else fields.push(f);
  }
  return { ...record, fields };
}
