// `r => …`, an arrow function as JavaScript writes the predicate of `some` or `every`. Writ has
// none: the lexer reads `=` and `>`, and the parser stopped at the `=` with the help a lone `=`
// gets, "compare with `==`", which was no help. An arrow is told apart by where it stands: after
// its parameters, as an argument of a call. Anywhere else `=>` is `>=` written the other way round
// (`a.x => 1`, `size(x) => 3`), told so by the operator slips (operator-slips.ts).

import type { IToken } from "chevrotain";
import { tokenMatcher } from "./chevrotain.js";
import * as T from "./lexer.js";
import { CLOSERS, OPENERS } from "./nesting.js";

/** Whether the token at `index` is the `=` of `=>`: an `=` with a `>` right after it, touching. */
function isArrowOperator(tokens: readonly IToken[], index: number): boolean {
  const t = tokens[index];
  const next = tokens[index + 1];
  return t?.tokenType === T.Assign && next?.tokenType === T.Gt && next.startOffset === t.startOffset + 1;
}

/** CEL's macros, whose first argument is their variable and whose second is read as a condition */
const MACROS: ReadonlySet<string> = new Set(["all", "exists", "exists_one", "filter", "map"]);

/**
 * Where the parameters of an arrow whose `=` is at `index` start: `r` in `r =>`, the `(` of `(r) =>`,
 * `(a, b) =>` or `() =>`. Undefined where what comes before the `=` is none of those (`size(x) =>`
 * is a call, `a.x =>` a field).
 */
function parametersStart(tokens: readonly IToken[], index: number): number | undefined {
  const before = tokens[index - 1];
  if (before !== undefined && tokenMatcher(before, T.Ident)) return index - 1;
  if (before?.tokenType !== T.RParen) return undefined;
  // names separated by `,`, back to the `(`
  let i = index - 2;
  if (tokens[i]?.tokenType === T.LParen) return i;
  for (; tokens[i] !== undefined && tokenMatcher(tokens[i]!, T.Ident); i -= 2) {
    const separator = tokens[i - 1]?.tokenType;
    if (separator === T.LParen) return i - 1;
    if (separator !== T.Comma) return undefined;
  }
  return undefined;
}

/**
 * Whether the token at `index` is the `=` of an arrow function: an `=>` (isArrowOperator) after
 * parameters (`r`, `(r)`) that start an argument of a call, right after its `(` or a `,` between
 * its arguments; `open` are the indices of the brackets open at the `=`, innermost last. After a
 * macro's variable the `,` starts the macro's condition, where `=>` is a comparison
 * (`l.exists(x, x => 3)`).
 */
export function isArrow(tokens: readonly IToken[], index: number, open: readonly number[] | undefined): boolean {
  const call = open?.[open.length - 1];
  if (!isArrowOperator(tokens, index) || call === undefined) return false;
  const callee = tokens[call - 1];
  if (tokens[call]!.tokenType !== T.LParen || callee === undefined || !tokenMatcher(callee, T.Ident)) return false;
  const parameters = parametersStart(tokens, index);
  if (parameters === undefined) return false;
  if (parameters - 1 === call) return true;
  if (tokens[parameters - 1]?.tokenType !== T.Comma) return false;
  const macroCondition = parameters - 1 === call + 2 && MACROS.has(callee.image) && tokenMatcher(tokens[call + 1]!, T.Ident);
  return !macroCondition;
}

/** the macro written for each method other languages give a predicate or a function */
const MACRO_FOR: ReadonlyMap<string, string> = new Map([
  ["some", "exists"], ["any", "exists"], ["exists", "exists"], ["find", "exists"],
  ["every", "all"], ["all", "all"],
  ["filter", "filter"], ["where", "filter"],
  ["map", "map"], ["select", "map"],
]);

/**
 * Help for the arrow at `index` (isArrow): the macro to write instead, with the arrow's variable
 * (`r` in `r => …`), named after the method it is given to where that tells it (`some` is
 * `exists`, `every` is `all`). `opener` is the index of the innermost bracket open at the arrow.
 */
export function arrowHelp(tokens: readonly IToken[], index: number, opener: number | undefined): string {
  // `r => …` or `(r) => …`
  const named = tokens[index - 1]?.tokenType === T.RParen && tokens[index - 3]?.tokenType === T.LParen ? tokens[index - 2] : tokens[index - 1];
  const variable = named?.tokenType === T.Identifier ? named.image : "x";
  // the method the arrow is an argument of: the name before the `(` the arrow is in
  const method = opener !== undefined && opener > 0 && tokens[opener]!.tokenType === T.LParen ? tokens[opener - 1]!.image : undefined;
  const macro = method === undefined ? undefined : MACRO_FOR.get(method);
  const macros = macro ? `\`${macro}(${variable}, …)\`` : `\`exists(${variable}, …)\` or \`all(${variable}, …)\``;
  return `Writ has no arrow functions: write the macro ${macros}, its variable first and then the expression`;
}

/**
 * The index of the token that closes the bracket open at `index` (the end of the arrow's body),
 * or the number of tokens where none does: errors the parser finds up to it are the arrow's,
 * already reported.
 */
export function arrowEnd(tokens: readonly IToken[], index: number): number {
  let depth = 0;
  for (let i = index + 1; i < tokens.length; i++) {
    const kind = tokens[i]!.tokenType;
    if (OPENERS.has(kind)) depth++;
    else if (CLOSERS.has(kind)) {
      if (depth === 0) return i;
      depth--;
    }
  }
  return tokens.length;
}
