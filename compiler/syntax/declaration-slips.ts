// Slips in the fixed words of a declaration, where the parser's "expected a string" or "expected
// `}`" says what it wanted but not what was meant: a header whose name and version are written
// without quotes (`policy payments version 1`), and a test's expectation misspelt (`error [r]` for
// `errors [r]`).

import type { IToken } from "chevrotain";
import { tokenMatcher } from "./chevrotain.js";
import * as T from "./lexer.js";
import { closest } from "../../runtime/closest-name.js";

/** Longest name or version the header's help writes out; past it, the help shows the form alone. */
const MAX_SHOWN_PART = 60;

/** whether nothing but spaces and tabs stands between two tokens (they are on one line) */
const oneLine = (text: string, a: IToken, b: IToken): boolean => !/[\r\n]/.test(text.slice(a.startOffset + a.image.length, b.startOffset));

/**
 * A part of the header as a string: a string written as one is kept as written, anything else is
 * its text in quotes (`payments`, `1.3.0`), or `fallback` where there is none or it cannot be quoted
 * so.
 */
function asString(text: string, tokens: readonly IToken[], fallback: string): string {
  const [first] = tokens;
  const last = tokens[tokens.length - 1];
  if (first === undefined || last === undefined) return fallback;
  if (tokens.length === 1 && tokenMatcher(first, T.AnyString)) return first.image;
  const source = text.slice(first.startOffset, last.startOffset + last.image.length);
  return source.length > MAX_SHOWN_PART || /["\\`]/.test(source) ? fallback : `"${source}"`;
}

/**
 * Help for a header whose name or version is not a string (`policy payments version 1`), where the
 * parser stopped at the token at `index` expecting one: the header as it is written, with the
 * name and the version read from the header's line. Undefined for any other error.
 */
export function headerHelp(tokens: readonly IToken[], index: number, message: string, text: string): string | undefined {
  const found = tokens[index];
  if (tokens[0]?.tokenType !== T.Policy || found === undefined || index < 1 || !message.startsWith("expected a string")) return undefined;
  // the name: what follows `policy` on its line, up to `version`
  let at = 1;
  while (at < tokens.length && tokens[at]!.tokenType !== T.Version && oneLine(text, tokens[at - 1]!, tokens[at]!)) at++;
  const name = asString(text, tokens.slice(1, at), '"name"');
  // the version: what follows `version` on its line
  let version = '"x.y.z"';
  if (tokens[at]?.tokenType === T.Version) {
    let end = at + 1;
    while (end < tokens.length && oneLine(text, tokens[end - 1]!, tokens[end]!)) end++;
    version = asString(text, tokens.slice(at + 1, end), version);
  }
  return `the name and version are strings: \`policy ${name} version ${version}\``;
}

/** the clauses an expectation may have after `allow` or `deny`, as a help writes each */
const EXPECT_CLAUSES: ReadonlyMap<string, string> = new Map([
  ["by", "`by [...]`"],
  ["errors", "`errors [...]`"],
  ["invalid", "`invalid`"],
]);

/**
 * Help for a word close to an expectation's clause (`error [r]`, `Invalid`) where the parser
 * stopped at it, at the token at `index`, expecting the test's `}`: the clause it may have meant.
 * `open` is how many brackets are open there, the test's own `{` among them. Undefined for any
 * other error.
 */
export function expectClauseHelp(tokens: readonly IToken[], index: number, message: string, open: number | undefined): string | undefined {
  const found = tokens[index];
  if (found === undefined || open !== 1 || !message.startsWith("expected `}`") || !tokenMatcher(found, T.AnyName)) return undefined;
  // (after the expectation: the test's data is inside its `input { … }`, a bracket deeper)
  let expect = index - 1;
  while (expect > 0 && tokens[expect]!.tokenType !== T.Expect) expect--;
  if (tokens[expect]?.tokenType !== T.Expect) return undefined;
  const meant = closest(found.image.toLowerCase(), [...EXPECT_CLAUSES.keys()]);
  if (meant === undefined) return undefined;
  return `did you mean ${EXPECT_CLAUSES.get(meant)}? (an expectation is \`allow\` or \`deny\`, then any of \`by [...]\`, \`errors [...]\` and \`invalid\`)`;
}
