// How deep a text may nest, checked on the tokens before parsing (brackets, chained `?:`, the `<…>`
// of types) and on the tree after it (long operator chains): past these limits the parser, the
// checker or AssemblyScript would run out of stack.

import type { IToken } from "chevrotain";
import { error, type Diagnostic } from "../diagnostics.js";
import type * as A from "./ast.js";
import { W } from "./diagnostic-codes.js";
import * as T from "./lexer.js";

export const OPENERS = new Set([T.LParen, T.LBracket, T.LBracketQuestion, T.LBrace]);
export const CLOSERS = new Set([T.RParen, T.RBracket, T.RBrace]);

/**
 * Brackets (and chained `?:`) nested deeper than this are refused before parsing. CEL asks for 12;
 * Chevrotain spends several stack frames per level, and 100 keeps a safe margin below the default
 * Node stack even when the parser is called from deep inside a host.
 */
export const MAX_NESTING = 100;
/** Expression trees deeper than this (long operator chains, `!!!…x`) are refused after parsing. */
export const MAX_EXPR_DEPTH = 500;

/**
 * The first token nested deeper than MAX_NESTING, counting brackets, chained `?` in expressions and,
 * in the input schema, the `<…>` of `list<…>` and `map<…>` (where `<` is never a comparison). A type
 * nested a few hundred levels deep parses, but every level becomes a level of generated code that
 * AssemblyScript compiles recursively, and its stack runs out.
 */
export function tooDeep(tokens: readonly IToken[], expression: boolean, types = false): IToken | undefined {
  // per open bracket: how many `?` of a conditional chain are pending at that level
  const ternaries: number[] = [0];
  let total = 0;
  for (const t of tokens) {
    if (OPENERS.has(t.tokenType) || (types && t.tokenType === T.Lt)) ternaries.push(0);
    else if (CLOSERS.has(t.tokenType) || (types && t.tokenType === T.Gt)) {
      if (ternaries.length > 1) total -= ternaries.pop()!;
    } else if (expression && t.tokenType === T.Question) {
      ternaries[ternaries.length - 1]!++;
      total++;
    } else if (t.tokenType === T.Comma) {
      total -= ternaries[ternaries.length - 1]!;
      ternaries[ternaries.length - 1] = 0;
    }
    if (ternaries.length - 1 + total > MAX_NESTING) return t;
  }
  return undefined;
}

/** Depth of an expression tree, computed without recursion so any tree can be measured. */
export function exprDepth(root: A.Expr): number {
  let max = 0;
  const stack: [A.Expr, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [e, d] = stack.pop()!;
    if (d > max) max = d;
    for (const c of childExprs(e)) stack.push([c, d + 1]);
  }
  return max;
}

/** The expressions directly inside `e`, in source order (array literals, never a spread into a call's arguments). */
export function childExprs(e: A.Expr): A.Expr[] {
  switch (e.kind) {
    case "Select": return [e.operand];
    case "Index": return [e.operand, e.index];
    case "Call": return e.target ? [e.target, ...e.args] : [...e.args];
    case "Unary": return [e.operand];
    case "Binary": return [e.left, e.right];
    case "Conditional": return [e.test, e.then, e.otherwise];
    case "List": return [...e.elements];
    case "Map": return e.entries.flatMap((x) => [x.key, x.value]);
    case "Struct": return e.fields.map((f) => f.value);
    default: return [];
  }
}

export function guardExpr(e: A.Expr, diagnostics: Diagnostic[]): A.Expr {
  if (exprDepth(e) <= MAX_EXPR_DEPTH) return e;
  diagnostics.push(error(W.NestingTooDeep, `expression nested more than ${MAX_EXPR_DEPTH} levels deep`, e.span, "split it: a part that reads no request field into `let` constants; a `forbid` whose condition is a long `||` into several forbids (any forbid that holds denies)"));
  return { kind: "ErrorExpr", span: e.span };
}
