// Operators as other languages write them, where CEL spells them otherwise: `not` (Python, SQL)
// for `!`, and `<>` (SQL, Basic) for `!=`. The lexer reads `not` as a name and `<>` as two
// comparisons, so the parser stops at the token after them with "expected an operator" or
// "expected an expression", which says nothing of what to write. (`and` and `or` get theirs from
// wordOperatorHelp in parser.ts; a lone `&` or `|` from lexing.ts, as no token starts with them.)

import type { IToken } from "chevrotain";
import { tokenMatcher } from "./chevrotain.js";
import * as T from "./lexer.js";
import { CLOSERS, OPENERS } from "./nesting.js";

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
