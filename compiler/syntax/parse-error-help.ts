// The help a parse error gets, where the slip behind it is a known one: another language's habit in
// an expression (`=`, `not`, `<>`, `and`, `input.x`), a word close to a keyword, a header or a test
// written wrong, a value of a test's data, or a bracket left open before it. Tried in that order;
// the first that knows the slip says what to write.

import type { IRecognitionException, IToken } from "chevrotain";
import { tokenMatcher } from "./chevrotain.js";
import * as T from "./lexer.js";
import type { DeclarationRule } from "./parser.js";
import { keywordHelp, wordOperatorHelp } from "./parse-messages.js";
import { negationHelp, notEqualHelp } from "./operator-slips.js";
import { dataValueHelp, declarationKeywordHelp, expectClauseHelp, headerHelp, testBraceHelp } from "./declaration-slips.js";
import { fieldTypeLeftOpenHelp, leftOpenHelp } from "./unclosed.js";
import type { WholeText } from "./index.js";

/** Where a parse error came, for parseErrorHelp. */
export interface ErrorPlace {
  readonly rule: DeclarationRule;
  /** the declaration's tokens, and the index of the error's among them (-1: at its end) */
  readonly tokens: readonly IToken[];
  readonly index: number;
  /** whether the rule being parsed has its `when` */
  readonly hasWhen: boolean;
  /** the first token of the next declaration */
  readonly follower: IToken | undefined;
  /** what the next declaration cut short, where one ends this one ("a value", "a condition") */
  readonly cutShort: string | undefined;
  readonly whole: WholeText;
  /** the brackets open before a token index */
  readonly openBefore: (index: number) => readonly number[] | undefined;
}

/** The help for parse error `e`, or undefined where no slip is known behind it. */
export function parseErrorHelp(e: IRecognitionException, { rule, tokens, index, hasWhen, follower, cutShort, whole, openBefore }: ErrorPlace): string | undefined {
  const expression = readingExpression(e, rule, hasWhen);
  return (
    // the commonest slips from other languages get a hint, where a comparison could be meant
    (!expression
      ? undefined
      : e.token?.tokenType === T.Assign
        ? "compare with `==`"
        : (negationHelp(tokens, index, whole.text) ??
          notEqualHelp(tokens, index) ??
          (e.token?.tokenType === T.Identifier ? wordOperatorHelp(e.token.image) : undefined))) ??
    // (where a new declaration may come, a word may stand for any declaration's keyword)
    (e.name === "NotAllInputParsedException" ? declarationKeywordHelp(tokens, index, whole.text) : keywordHelp(e.token)) ??
    (expression ? inputPrefixHelp(tokens, index) : undefined) ??
    (rule === "header" ? headerHelp(tokens, index, e.message, whole.text) : undefined) ??
    (rule === "inputDecl" ? fieldTypeLeftOpenHelp(e.message, tokens, index, whole.place) : undefined) ??
    (rule === "testDecl" && index >= 0 ? (expectClauseHelp(tokens, index, e.message, openBefore(index)?.length) ?? testBraceHelp(tokens, index, e.message) ?? dataValueHelp(e.token, e.message)) : undefined) ??
    // (an error at the end of the declaration is at Chevrotain's end-of-input token, not one of `tokens`)
    leftOpenHelp(e.message, index < 0 && follower ? follower : e.token, index < 0, tokens, openBefore(index < 0 ? tokens.length : index), tokens[tokens.length - 1], cutShort, whole.place, whole.closedLater)
  );
}

/**
 * Help for `input.agent` or `input["agent"]` in an expression, as Rego and Cedar write a request's
 * field: in Writ a condition reads the request's top-level fields by their names.
 */
function inputPrefixHelp(tokens: readonly IToken[], index: number): string | undefined {
  if (tokens[index]?.tokenType !== T.Input) return undefined;
  const next = tokens[index + 1]?.tokenType;
  if (next === T.Dot) {
    const field = tokens[index + 2];
    const write = field && tokenMatcher(field, T.AnyName) ? `: write \`${field.image}\`, not \`input.${field.image}\`` : "";
    return `an expression reads the request's top-level fields by their names, without \`input.\`${write}`;
  }
  if (next !== T.LBracket && next !== T.LBracketQuestion) return undefined;
  const field = tokens[index + 2];
  const name = field && tokenMatcher(field, T.StringLiteral) && tokens[index + 3]?.tokenType === T.RBracket ? /^(["'])([_a-zA-Z][_a-zA-Z0-9]*)\1$/.exec(field.image)?.[2] : undefined;
  const write = name === undefined ? "" : `: write \`${name}\`, not \`input[${field!.image}]\``;
  return `an expression reads the request's top-level fields by their names, without \`input\`${write}`;
}

const EXPRESSION_RULES = new Set(["expr", "binary", "unary", "member", "memberSuffix", "primary", "exprList", "mapEntry", "fieldInits", "literal"]);

/** Whether a parse error came where an expression was being read, or right after one. */
function readingExpression(e: IRecognitionException, rule: DeclarationRule, hasWhen: boolean): boolean {
  if (e.name === "NotAllInputParsedException") return rule === "expr" || rule === "letDecl" || (rule === "ruleDecl" && hasWhen);
  return e.context?.ruleStack?.some((r) => EXPRESSION_RULES.has(r)) ?? false;
}
