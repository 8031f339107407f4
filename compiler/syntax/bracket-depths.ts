// How brackets nest in the tokens of one declaration, for the input block's recovery in the parser
// (skipStrayText): which bracket encloses each token, and which openers a closer closes.

import type { IToken, TokenType } from "chevrotain";
import { tokenMatcher } from "./chevrotain.js";
import * as T from "./lexer.js";
import { startsField } from "./lexing.js";

const CLOSING: ReadonlyMap<TokenType, readonly TokenType[]> = new Map([
  [T.RParen, [T.LParen]],
  [T.RBracket, [T.LBracket, T.LBracketQuestion]],
  [T.RBrace, [T.LBrace]],
]);
const OPENING = new Set([T.LParen, T.LBracket, T.LBracketQuestion, T.LBrace]);

/** brackets a field's type may leave open, which a field after them closes (bracketDepths) */
const UNCLOSED_BEFORE_FIELD = new Set([T.Lt, T.LParen]);
/** whether a type may start at token `t` */
export const startsType = (t: IToken): boolean => tokenMatcher(t, T.Ident) || t.tokenType === T.LBrace;

/** How brackets nest in the tokens of a declaration (bracketDepths). */
export interface Brackets {
  /** how many brackets enclose each token */
  readonly depths: Map<IToken, number>;
  /** the openers a closer closes (one left open inside a bracket that is closed is not among them) */
  readonly closed: Set<IToken>;
}

/**
 * How many brackets enclose each token: a closer counts as inside the bracket it closes, so a
 * record's fields, the `,` between them and its `}` have one depth. A closer closes the innermost
 * bracket of its kind (one left open inside it is closed with it); one that closes nothing counts
 * as an ordinary token. `<` opens where type arguments start (after a name, before a name or `{`);
 * a `<` or a bound's `(` still open at `name:` or `name?` (or at a `,` before one) was never closed,
 * as that is the next field.
 */
export function bracketDepths(tokens: readonly IToken[]): Brackets {
  const depths = new Map<IToken, number>();
  const closed = new Set<IToken>();
  const open: TokenType[] = [];
  // (the tokens of `open`, for `closed`)
  const openers: IToken[] = [];
  // per closer, where in `open` it may find its bracket, innermost last: an entry that no longer
  // holds one of its brackets is stale and dropped when met, so that a search takes amortised
  // constant time however many brackets are left unclosed
  const places = new Map<TokenType, number[]>([...CLOSING.keys()].map((k) => [k, []]));
  const innermost = (closer: TokenType): number => {
    const at = places.get(closer)!;
    for (let i = at[at.length - 1]; i !== undefined; i = at[at.length - 1]) {
      if (i < open.length && CLOSING.get(closer)!.includes(open[i]!)) return i;
      at.pop();
    }
    return -1;
  };
  tokens.forEach((t, i) => {
    const kind = t.tokenType;
    // the next field, after a `,` or where fields are written without one (as `writ fmt` writes
    // them): no type's `<…>` or bound's `(…)` holds a `name:`, so one still open there was never closed
    if ((kind === T.Comma && startsField(tokens[i + 1], tokens[i + 2])) || startsField(t, tokens[i + 1])) {
      while (UNCLOSED_BEFORE_FIELD.has(open[open.length - 1]!)) {
        open.pop();
        openers.pop();
      }
    }
    const at = CLOSING.has(kind) ? innermost(kind) : kind === T.Gt && open[open.length - 1] === T.Lt ? open.length - 1 : -1;
    if (at >= 0) {
      depths.set(t, at + 1);
      closed.add(openers[at]!);
      open.length = at;
      openers.length = at;
      return;
    }
    depths.set(t, open.length);
    const typeArguments = kind === T.Lt && tokenMatcher(tokens[i - 1] ?? t, T.Ident) && startsType(tokens[i + 1] ?? t);
    if (!OPENING.has(kind) && !typeArguments) return;
    for (const [closer, opens] of CLOSING) if (opens.includes(kind)) places.get(closer)!.push(open.length);
    open.push(kind);
    openers.push(t);
  });
  return { depths, closed };
}
