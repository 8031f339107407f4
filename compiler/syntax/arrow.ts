// `r => …`, an arrow function as JavaScript writes the predicate of `some` or `every`. Writ has
// none: the lexer reads `=` and `>`, and the parser stopped at the `=` with the help a lone `=`
// gets, "compare with `==`", which was no help.

import type { IToken } from "chevrotain";
import * as T from "./lexer.js";
import { CLOSERS, OPENERS } from "./nesting.js";

/** Whether the token at `index` is the `=` of `=>`: an `=` with a `>` right after it, touching. */
export function isArrow(tokens: readonly IToken[], index: number): boolean {
  const t = tokens[index];
  const next = tokens[index + 1];
  return t?.tokenType === T.Assign && next?.tokenType === T.Gt && next.startOffset === t.startOffset + 1;
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
