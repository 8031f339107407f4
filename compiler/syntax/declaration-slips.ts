// Slips in the fixed words of a declaration, where the parser's "expected a string" or "expected
// `}`" says what it wanted but not what was meant: a header whose name and version are written
// without quotes (`policy payments version 1`), a test's expectation misspelt (`error [r]` for
// `errors [r]`) or its `{` left out, and a word written for a declaration's keyword (`Permit`,
// `tset`, `const`, `allow`), which the cutting into declarations reads as the keyword
// (declarations.ts).

import type { IToken, TokenType } from "chevrotain";
import { tokenMatcher } from "./chevrotain.js";
import * as T from "./lexer.js";
import { closest } from "../../runtime/closest-name.js";
import { keywordHelp } from "./parse-messages.js";

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

/**
 * A word written where a declaration's keyword belongs: a keyword misspelt or capitalised
 * (`Permit`, `tset`), or another language's for it (`const`, `var`, `allow`, `deny`). `keyword` is
 * the one meant, which the declaration is read with.
 */
export interface KeywordStandIn {
  readonly keyword: TokenType;
  readonly help: string;
}

/** the declaration keywords a word misspelt or capitalised may stand for, and their tokens */
const DECLARATION_KEYWORDS: ReadonlyMap<string, TokenType> = new Map([
  ["permit", T.Permit],
  ["forbid", T.Forbid],
  ["let", T.Let],
  ["test", T.Test],
]);

/** whether `a` is `b` with two letters next to each other swapped (`tset` for `test`) */
function swapsTwoLetters(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  const differ = [...a].flatMap((c, i) => (c === b[i] ? [] : [i]));
  const [i, j] = differ;
  return differ.length === 2 && j === i! + 1 && a[i!] === b[j] && a[j] === b[i!];
}

/** the declaration keyword `word` is close to, by the usual closest-name distance or one swap */
function meantKeyword(word: string): string | undefined {
  const lower = word.toLowerCase();
  const keywords = [...DECLARATION_KEYWORDS.keys()];
  return closest(lower, keywords) ?? keywords.find((k) => swapsTwoLetters(lower, k));
}

/**
 * Whether what follows the word at `at` is the rest of a declaration of `keyword`: `NAME when` or
 * `NAME` at the end of its line for a rule, `NAME =` for a constant, `STRING {` (or `STRING input`,
 * its `{` left out) for a test. Never an expression's text: no expression has a name or a string
 * right after a name.
 */
function declarationShape(keyword: string, tokens: readonly IToken[], at: number, text: string | undefined): boolean {
  const [name, after] = [tokens[at + 1], tokens[at + 2]];
  if (keyword === "test") return name !== undefined && tokenMatcher(name, T.AnyString) && (after?.tokenType === T.LBrace || after?.tokenType === T.Input);
  if (name?.tokenType !== T.Identifier) return false;
  if (keyword === "let") return after?.tokenType === T.Assign;
  return after === undefined || after.tokenType === T.When || (text !== undefined && !oneLine(text, name, after));
}

/**
 * The keyword the word at `at` stands for, where a declaration may start there and what follows it
 * is the rest of that declaration (declarationShape): undefined for any other word or shape. `text`
 * is the whole text, for telling where a line ends (without it a rule's name must be followed by
 * `when`).
 */
export function keywordStandIn(tokens: readonly IToken[], at: number, text: string | undefined): KeywordStandIn | undefined {
  const word = tokens[at];
  if (word === undefined) return undefined;
  const fits = (keyword: string) => declarationShape(keyword, tokens, at, text);
  switch (word.tokenType) {
    case T.Allow:
    case T.Deny: {
      const meant = word.tokenType === T.Allow ? "permit" : "forbid";
      if (!fits(meant)) return undefined;
      return { keyword: DECLARATION_KEYWORDS.get(meant)!, help: `write \`${meant}\` for \`${word.image}\`: Writ's rules are \`permit NAME when …\` and \`forbid NAME when …\`` };
    }
    case T.Reserved:
      if ((word.image !== "const" && word.image !== "var") || !fits("let")) return undefined;
      return { keyword: T.Let, help: `write \`let\` for \`${word.image}\`: Writ's constants are \`let NAME = …\`` };
    case T.Identifier: {
      const meant = meantKeyword(word.image);
      if (meant === undefined || !fits(meant)) return undefined;
      return { keyword: DECLARATION_KEYWORDS.get(meant)!, help: `did you mean \`${meant}\`?` };
    }
    default:
      return undefined;
  }
}

/**
 * Help for the word at `at`, where a declaration was expected: the declaration keyword it stands
 * for, where what follows fits (keywordStandIn; `Input {` for the input block), else the rule
 * keyword it is close to (keywordHelp). A name close to a keyword with anything else after it gets
 * no help: `lat` is not taken for `let` unless `NAME =` follows it.
 */
export function declarationKeywordHelp(tokens: readonly IToken[], at: number, text: string | undefined): string | undefined {
  const word = tokens[at];
  const standIn = keywordStandIn(tokens, at, text);
  if (standIn !== undefined) return standIn.help;
  if (word?.tokenType === T.Identifier && tokens[at + 1]?.tokenType === T.LBrace && closest(word.image.toLowerCase(), ["input"]) !== undefined) return "did you mean `input`?";
  return keywordHelp(word);
}

/**
 * Help for a test whose `{` is left out after its name (`test "t"` then `input { … }` on the next
 * line), where the parser stopped at the token at `index` expecting it: the parser reads the test as
 * if it were there. Undefined for any other error.
 */
export function testBraceHelp(tokens: readonly IToken[], index: number, message: string): string | undefined {
  if (tokens[0]?.tokenType !== T.Test || index !== 2 || !tokenMatcher(tokens[1]!, T.AnyString) || !message.startsWith("expected `{`")) return undefined;
  return "a test's body is in braces after its name: `test \"name\" { input { … } expect … }`";
}

/** Another language's names for a test data's literals (lowercased), and what a test's data writes. */
const DATA_LITERALS: ReadonlyMap<string, string> = new Map([
  ["true", "`true`"],
  ["false", "`false`"],
  ...["none", "nil", "null", "undefined"].map((n): [string, string] => [n, "`null`"]),
]);

/**
 * Help for a value of a test's data written as another language writes it (`True`, `None`,
 * `undefined`), where the parser stopped at it expecting a value: the literal to write. Undefined
 * for any other error.
 */
export function dataValueHelp(t: IToken | undefined, message: string): string | undefined {
  if (t === undefined || t.tokenType !== T.Identifier || !message.startsWith("expected a value")) return undefined;
  const meant = DATA_LITERALS.get(t.image.toLowerCase());
  return meant === undefined ? undefined : `write ${meant}: a test's data is written as JSON writes it`;
}
