// How the parser's errors are worded: the tokens expected and found, named as an author reads them,
// the declaration after the one being parsed named where Chevrotain sees the end of its input, and
// the keyword or operator a word may stand for (index.ts adds those as helps).

import type { IParserErrorMessageProvider, IToken, TokenType } from "chevrotain";
import { EOF } from "./chevrotain.js";
import * as T from "./lexer.js";
import { closest } from "../../runtime/closest-name.js";
import { inBackticks } from "../diagnostics.js";

/** How a token is named in messages: its label (`` `when` ``, `a string`), or end of input. */
function describeExpected(t: TokenType): string {
  if (t === EOF) return "end of input";
  return t.LABEL ?? t.name;
}

/**
 * The token after the declaration being parsed. A declaration is parsed on its own, so where
 * Chevrotain sees the end of its input the user sees the next declaration: messages name that.
 */
let chunkFollower: IToken | undefined;
export function setChunkFollower(t: IToken | undefined): void {
  chunkFollower = t;
}

/** How an actual token is shown in messages: its text in backticks (inBackticks), shortened. */
export function describeToken(tok: IToken | undefined): string {
  if (!tok || tok.tokenType === EOF) return chunkFollower ? describeToken(chunkFollower) : "end of input";
  const image = tok.image.length > 24 ? tok.image.slice(0, 21) + "..." : tok.image;
  return inBackticks(image.replace(/[\r\n]+/g, " "));
}

/**
 * What to write for a logical operator spelled as a word, as other languages do (`a or b`): CEL has
 * none, and reads `or` as a name. Undefined for any other name.
 */
export function wordOperatorHelp(name: string | undefined): string | undefined {
  if (name === "or") return "write `||` for `or`";
  if (name === "and") return "write `&&` for `and`";
  return undefined;
}

/** the keywords a rule is written with, which a word misspelt or capitalised may have meant */
const RULE_KEYWORDS = ["permit", "forbid", "when"];

/**
 * "did you mean `permit`?" for a name where a parse error came that is close to a rule's keyword,
 * written wrong (`permitt`, `forbd`) or in capitals (`Forbid`, `When`): the lexer reads it as a
 * name, and the error it causes says nothing of the keyword. Undefined for any other token.
 */
export function keywordHelp(t: IToken | undefined): string | undefined {
  if (t === undefined || t.tokenType !== T.Identifier) return undefined;
  const meant = closest(t.image.toLowerCase(), RULE_KEYWORDS);
  return meant === undefined ? undefined : `did you mean \`${meant}\`?`;
}

const EXPRESSION_RULES = new Set(["expr", "binary", "unary", "member", "primary", "literal"]);

function oneOf(items: string[]): string {
  const unique = [...new Set(items)];
  if (unique.length <= 1) return unique[0] ?? "something else";
  if (unique.length > 5) return unique.slice(0, 4).join(", ") + " or another token";
  return unique.slice(0, -1).join(", ") + " or " + unique[unique.length - 1];
}

const reservedHint = (tok: IToken | undefined): string =>
  tok && (tok.tokenType === T.Reserved || [T.Policy, T.Input, T.Let, T.Permit, T.Forbid, T.When, T.Test].includes(tok.tokenType))
    ? ` (\`${tok.image}\` is a reserved word)`
    : "";

export const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    // (the hint where a name was expected only: `test "t"` then `input`, its `{` left out, is not
    // a reserved word written for a `{`)
    const named = expected === T.Ident || expected === T.AnyName || expected === T.Identifier;
    return `expected ${describeExpected(expected)}, found ${describeToken(actual)}${named ? reservedHint(actual) : ""}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `expected a new declaration, found ${describeToken(firstRedundant)}`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const first = actual[0];
    if (EXPRESSION_RULES.has(ruleName)) return `expected an expression, found ${describeToken(first)}${reservedHint(first)}`;
    // (its alternatives are too many to list by their first tokens: "`{`, `[`, a string, `-` or another token")
    if (ruleName === "dataValue") return `expected a value (\`{…}\`, \`[…]\`, a string, an int, \`true\`, \`false\` or \`null\`), found ${describeToken(first)}`;
    const starts = expectedPathsPerAlt.flatMap((alt) => alt.map((path) => describeExpected(path[0] ?? EOF)));
    return `expected ${oneOf(starts)}, found ${describeToken(first)}${reservedHint(first)}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName }) {
    const first = actual[0];
    if (EXPRESSION_RULES.has(ruleName)) return `expected an expression, found ${describeToken(first)}`;
    const starts = expectedIterationPaths.map((path) => describeExpected(path[0] ?? EOF));
    return `expected ${oneOf(starts)}, found ${describeToken(first)}`;
  },
};
