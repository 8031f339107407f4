// Operators as other languages write them, where CEL spells them otherwise: `not` (Python, SQL)
// for `!`, and `<>` (SQL, Basic) for `!=`. The lexer reads `not` as a name and `<>` as two
// comparisons, so the parser stops at the token after them with "expected an operator" or
// "expected an expression", which says nothing of what to write. (`and` and `or` get theirs from
// wordOperatorHelp in parser.ts; a lone `&` or `|` from lexing.ts, as no token starts with them.)
// A comparison written with an `=` too many or in the wrong place (`===` and `!==` of JavaScript,
// `=<`, `=>` and `=!` for `<=`, `>=` and `!=`) was read as a lone `=` beside an operator: the
// parser stopped there with "compare with `==`", whichever was meant, and what it made of the
// rest of the bracket gave errors more. readComparisonSlips reads it as the comparison meant.

import type { IToken, TokenType } from "chevrotain";
import { error, type Diagnostic } from "../diagnostics.js";
import { isArrow } from "./arrow.js";
import { tokenMatcher } from "./chevrotain.js";
import { W } from "./diagnostic-codes.js";
import * as T from "./lexer.js";
import { CLOSERS, OPENERS } from "./nesting.js";
import { STRAY_OPERATOR_TOKENS } from "./lexing.js";
import { openBracketsReader } from "./unclosed.js";

/** Longest operand a help writes out as it is; a longer one is written `…`. */
const MAX_SHOWN_OPERAND = 40;
/**
 * Most tokens an operand is looked for over: a help does not read a whole declaration to quote a
 * part of it (one past this is shown as `…`), so a text full of slips is not read once per slip.
 */
const MAX_OPERAND_TOKENS = 64;

const LITERALS = new Set([T.IntLiteral, T.UintLiteral, T.DoubleLiteral, T.True, T.False, T.Null]);

/** whether a token is a name or literal an operand may start with */
const startsOperand = (t: IToken | undefined): boolean =>
  t !== undefined && (tokenMatcher(t, T.Ident) || tokenMatcher(t, T.AnyString) || LITERALS.has(t.tokenType));

/** whether `t` is the identifier `not` */
const isNot = (t: IToken | undefined): boolean => t?.tokenType === T.Identifier && t.image === "not";

/** whether `t` selects a field (`.` or `.?`), so that the name after it is no operand of its own */
const isDot = (t: IToken | undefined): boolean => t?.tokenType === T.Dot || t?.tokenType === T.DotQuestion;

/**
 * The index of the bracket that matches the one at `from`, looking forward from an opener (`step`
 * 1) or back from a closer (-1), or undefined when none does within MAX_OPERAND_TOKENS.
 */
function matching(tokens: readonly IToken[], from: number, step: 1 | -1): number | undefined {
  const [inward, outward] = step === 1 ? [OPENERS, CLOSERS] : [CLOSERS, OPENERS];
  let depth = 0;
  for (let i = from; i >= 0 && i < tokens.length && Math.abs(i - from) <= MAX_OPERAND_TOKENS; i += step) {
    const kind = tokens[i]!.tokenType;
    if (inward.has(kind)) depth++;
    else if (outward.has(kind) && --depth === 0) return i;
  }
  return undefined;
}

/**
 * Where the operand that ends before the token at `end` starts: a name or literal, or a bracket,
 * with the selections, calls and indexes after it (`a.b(c)[0]`). Undefined where none ends there.
 */
function operandStart(tokens: readonly IToken[], end: number): number | undefined {
  let i = end - 1;
  while (i >= 0 && end - i <= MAX_OPERAND_TOKENS) {
    const t = tokens[i]!;
    if (CLOSERS.has(t.tokenType)) {
      const open = matching(tokens, i, -1);
      if (open === undefined) return undefined;
      // a call's or an index's brackets follow what they call or index
      const before = tokens[open - 1];
      if (t.tokenType !== T.RBrace && before !== undefined && (tokenMatcher(before, T.AnyName) || CLOSERS.has(before.tokenType))) {
        i = open - 1;
        continue;
      }
      return open;
    }
    if (isDot(tokens[i - 1]) && tokenMatcher(t, T.AnyName)) {
      i -= 2;
      continue;
    }
    return startsOperand(t) ? i : undefined;
  }
  return undefined;
}

/** Where the operand that starts at `start` ends (the index after its last token), or undefined. */
function operandEnd(tokens: readonly IToken[], start: number): number | undefined {
  const first = tokens[start];
  let i: number;
  if (first !== undefined && OPENERS.has(first.tokenType)) {
    const close = matching(tokens, start, 1);
    if (close === undefined) return undefined;
    i = close + 1;
  } else if (startsOperand(first)) i = start + 1;
  else return undefined;
  while (i - start <= MAX_OPERAND_TOKENS) {
    const t = tokens[i];
    if (isDot(t) && tokens[i + 1] !== undefined && tokenMatcher(tokens[i + 1]!, T.AnyName)) i += 2;
    else if (t?.tokenType === T.LParen || t?.tokenType === T.LBracket) {
      const close = matching(tokens, i, 1);
      if (close === undefined) return undefined;
      i = close + 1;
    } else return i;
  }
  return undefined;
}

/** The source text of tokens [from, to), or `…` where there is none or it is too long to quote. */
function shown(text: string, tokens: readonly IToken[], from: number | undefined, to: number | undefined): string {
  if (from === undefined || to === undefined || to <= from) return "…";
  const source = text.slice(tokens[from]!.startOffset, tokens[to - 1]!.startOffset + tokens[to - 1]!.image.length);
  return source.length > MAX_SHOWN_OPERAND || /[\r\n`]/.test(source) ? "…" : source;
}

/** The help for a negation written with `not`, given what to write instead (`!has(x)`). */
export const negationHelpFor = (written: string): string => `Writ negates with \`!\`: write \`${written}\``;

/**
 * Help for `not` written for `!`, where the parser stopped at the token at `index`: `x not in L`
 * (stopped at `not`) is `!(x in L)`, `not has(x)` (stopped after `not`) is `!has(x)`. Undefined
 * for any other token.
 */
export function negationHelp(tokens: readonly IToken[], index: number, text: string): string | undefined {
  const said = negationHelpFor;
  if (isNot(tokens[index]) && tokens[index + 1]?.tokenType === T.In) {
    const left = shown(text, tokens, operandStart(tokens, index), index);
    const right = shown(text, tokens, index + 2, operandEnd(tokens, index + 2));
    return said(`!(${left} in ${right})`);
  }
  if (index > 0 && isNot(tokens[index - 1]) && !isDot(tokens[index - 2])) {
    const end = operandEnd(tokens, index);
    const operand = shown(text, tokens, index, end);
    // `not x in L`: the `in` binds before `!` would, as `not` does in Python
    if (end !== undefined && tokens[end]?.tokenType === T.In) return said(`!(${operand} in ${shown(text, tokens, end + 1, operandEnd(tokens, end + 1))})`);
    return said(`!${operand}`);
  }
  return undefined;
}

/** Help for `<>` written for `!=`, where the parser stopped at its `>` (`index`). */
export function notEqualHelp(tokens: readonly IToken[], index: number): string | undefined {
  const gt = tokens[index];
  const lt = tokens[index - 1];
  if (gt?.tokenType !== T.Gt || lt?.tokenType !== T.Lt || gt.startOffset !== lt.startOffset + 1) return undefined;
  return "write `!=` for `<>`";
}


/** A comparison as it is spelled, and its token. */
type Comparison = readonly [spelled: string, type: TokenType];
const NOT_EQUAL: Comparison = ["!=", T.NotEq];

/** the comparison an `=` touching the operator before it is written for (`!==` is `!=`) */
const SLIP_AFTER: ReadonlyMap<TokenType, Comparison> = new Map([
  [T.NotEq, NOT_EQUAL],
  [T.EqEq, ["==", T.EqEq]],
]);
/** the comparison an `=` touching the operator after it is written for (`=<` is `<=`) */
const SLIP_BEFORE: ReadonlyMap<TokenType, Comparison> = new Map([
  [T.Lt, ["<=", T.LtEq]],
  [T.Gt, [">=", T.GtEq]],
  [T.Bang, NOT_EQUAL],
]);

/** whether token `b` starts right where token `a` ends, with nothing between them */
const touching = (a: IToken | undefined, b: IToken | undefined): boolean => a !== undefined && b !== undefined && a.startOffset + a.image.length === b.startOffset;

/**
 * An expression's tokens (or a `let`'s) with each comparison written with an `=` out of place
 * (`!==`, `===`, `=<`, `=>`, `=!`, the characters touching) read as the comparison meant (`!=`,
 * `==`, `<=`, `>=`, `!=`), reported once (W0101) with what to write: an expression holds no `=`,
 * so no valid text changes. The token keeps the text as written, so that its span is the
 * operator's own. Not read so: an `=>` that is an arrow function (arrow.ts, which tells the macro
 * to write), and the `=` of `let NAME =` (`let X =!a` is `let X = !a`).
 */
export function readComparisonSlips(tokens: IToken[], diagnostics: Diagnostic[]): IToken[] {
  if (!tokens.some((t) => t.tokenType === T.Assign)) return tokens;
  const openBefore = openBracketsReader(tokens);
  const read: IToken[] = [];
  const slip = (from: IToken, to: IToken, [spelled, type]: Comparison): IToken => {
    const image = from.image + to.image;
    diagnostics.push(error(W.UnexpectedToken, `unexpected operator \`${image}\``, { start: from.startOffset, end: to.startOffset + to.image.length }, `write \`${spelled}\` for \`${image}\``));
    const read: IToken = { image, startOffset: from.startOffset, endOffset: from.startOffset + image.length - 1, tokenType: type, tokenTypeIdx: type.tokenTypeIdx! };
    // (where no comparison may stand either, `(=< 1)`, the parse error there is this one again)
    STRAY_OPERATOR_TOKENS.add(read);
    return read;
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const letsOwn = i === 2 && tokens[0]!.tokenType === T.Let;
    if (t.tokenType !== T.Assign || letsOwn) {
      read.push(t);
      continue;
    }
    // (a token as written: one read as a comparison already is not read again, `=!=`)
    const before = read[read.length - 1] === tokens[i - 1] ? tokens[i - 1] : undefined;
    const after = tokens[i + 1];
    // (nor is a let's own place for its `=`: `let X === 1` is no comparison to write `==` for)
    const meantBefore = touching(before, t) && !(i === 3 && tokens[0]!.tokenType === T.Let) ? SLIP_AFTER.get(before!.tokenType) : undefined;
    const meantAfter = touching(t, after) ? SLIP_BEFORE.get(after!.tokenType) : undefined;
    if (meantBefore !== undefined) read[read.length - 1] = slip(before!, t, meantBefore);
    else if (meantAfter !== undefined && !(meantAfter[1] === T.GtEq && isArrow(tokens, i, openBefore(i)))) {
      read.push(slip(t, after!, meantAfter));
      i++;
    } else read.push(t);
  }
  return read;
}
