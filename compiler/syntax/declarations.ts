// Cutting a file's tokens into declarations, before any is parsed: each is parsed on its own, so
// an error in one rule leaves the next ones intact and every declaration's errors are reported in
// one run (index.ts parses them).

import type { IToken } from "chevrotain";
import { tokenMatcher } from "./chevrotain.js";
import * as T from "./lexer.js";
import { keywordStandIn } from "./declaration-slips.js";
import { annotationsBeforeEntry } from "./field-annotations.js";
import { CLOSERS, OPENERS } from "./nesting.js";
import { namesInputLikeBlock } from "./schema-slips.js";
import type { DeclarationRule } from "./parser.js";

const STRONG = new Set([T.Policy, T.Let, T.Permit, T.Forbid, T.Test, T.At]);

export interface Chunk {
  readonly rule: DeclarationRule | "junk";
  readonly tokens: IToken[];
  /**
   * A word that stood where the declaration's keyword belongs (`Permit`, `const`, `allow`), to be
   * reported once, at `token`, with `help`: the chunk's first token is the keyword it stands for,
   * so that the declaration is read and checked as written.
   */
  readonly slip?: { readonly token: IToken; readonly help: string };
  /**
   * The file's text, where the split was given it: what the lexer left out between tokens (a lone
   * `|`) is read there (schema-slips.ts tells a union of literals in a misnamed block by it).
   */
  readonly text?: string;
}

function ruleFor(t: IToken): DeclarationRule | "junk" {
  switch (t.tokenType) {
    case T.Policy: return "header";
    case T.Input: return "inputDecl";
    case T.Let: return "letDecl";
    case T.At:
    case T.Permit:
    case T.Forbid: return "ruleDecl";
    case T.Test: return "testDecl";
    default: return "junk";
  }
}

/**
 * Tokens after which an operand must come: a word at the start of the next line is that operand
 * (or the start of a broken one), never a declaration of its own.
 */
const WANTS_OPERAND = new Set([T.Bang, T.Assign, T.Question, T.Colon, T.Comma, T.Dot, T.DotQuestion, T.When, T.At, ...OPENERS]);

/** whether the token at `i` is the first of its line (`text` is the whole text) */
function startsLine(tokens: readonly IToken[], i: number, text: string): boolean {
  const prev = tokens[i - 1];
  return prev === undefined || /[\r\n]/.test(text.slice(prev.startOffset + prev.image.length, tokens[i]!.startOffset));
}

/**
 * Whether the `input` at `at` comes right after a test's head, where its data is what may follow:
 * `test` or a name (the test's word misspelt where keywordStandIn took none, as in a rule's text:
 * `Test "t" {`), then a string, then the test's `{` or not. Anywhere else a block after
 * `input {` is the input block, whatever its fields hold: a schema whose first fields are unions of
 * literals (`action: "read" | "write"`) has no type among them either (a lone `|` is no token).
 */
function afterTestHead(tokens: readonly IToken[], at: number): boolean {
  const name = tokens[at - 1]?.tokenType === T.LBrace ? at - 2 : at - 1;
  const word = tokens[name - 1];
  return tokens[name] !== undefined && tokenMatcher(tokens[name]!, T.AnyString) && (word?.tokenType === T.Test || word?.tokenType === T.Identifier);
}

/** how many tokens after `input {` are looked at to tell a test's data from a schema */
const DATA_LOOKAHEAD = 256;

/**
 * Whether `input {` at `at` is followed by a test's data rather than a schema: in the block (or
 * its first DATA_LOOKAHEAD tokens) some field's value is a string, a number, a list or `true`,
 * `false` or `null`, and none is a type (a name after `:`, or `?:`). A schema with a type written
 * as a string (`kind: "string"`, `n: 'a' | 'b'`) still has its other fields' types, and stays one.
 */
function dataFollows(tokens: readonly IToken[], at: number): boolean {
  let data = false;
  let depth = 0;
  const end = Math.min(tokens.length, at + 1 + DATA_LOOKAHEAD);
  for (let i = at + 1; i < end; i++) {
    const t = tokens[i]!;
    if (OPENERS.has(t.tokenType)) depth++;
    else if (CLOSERS.has(t.tokenType) && --depth === 0) break;
    if (t.tokenType === T.Question && tokens[i + 1]?.tokenType === T.Colon) return false;
    if (t.tokenType !== T.Colon) continue;
    const value = tokens[i + 1];
    if (value === undefined) break;
    if (tokenMatcher(value, T.Ident)) return false;
    if (DATA_STARTS.has(value.tokenType) || tokenMatcher(value, T.AnyString)) data = true;
  }
  return data;
}

/** the tokens a value of a test's data may start with, besides `{` and a string */
const DATA_STARTS = new Set([T.IntLiteral, T.UintLiteral, T.DoubleLiteral, T.Minus, T.LBracket, T.True, T.False, T.Null]);

/**
 * Which part of a rule's head comes next, in a declaration that starts with `@`: `@`, or the
 * effect (`at`), then an annotation's name, its `(`, its string and its `)`; `over` once the head
 * holds text that is neither an annotation nor the effect.
 */
type HeadSlot = "at" | "name" | "open" | "value" | "close" | "over";

/**
 * The slot after token `t` of a rule's head (an effect, `permit` or `forbid`, ends the head and is
 * not passed here). An annotation written wrong (`@reason "x"`, `@reason("a", "b")`, a `)` left
 * out) keeps the head going to the rule it annotates: its error is the parser's to report. Where
 * the effect should come, any other word (`permitt`, or the rule's name with the effect left out)
 * ends it, and so does `when` anywhere: what follows is a rule's name or its condition, not more of
 * the head.
 */
function nextHeadSlot(slot: HeadSlot, t: IToken): HeadSlot {
  if (slot === "over" || t.tokenType === T.When) return "over";
  if (t.tokenType === T.At) return "name";
  switch (slot) {
    case "at": return "over";
    case "name": return "open";
    case "open": return t.tokenType === T.LParen ? "value" : t.tokenType === T.RParen ? "at" : "close";
    case "value": return t.tokenType === T.RParen ? "at" : "close";
    case "close": return t.tokenType === T.RParen ? "at" : "close";
  }
}

/**
 * Whether the declaration `current` holds is, at its outermost bracket still open (`opener`, its
 * index in `current`, kept by splitDeclarations: found by a scan here, it was a scan an `@`), a
 * block written as the input block is under another name (`Input {`, `schema {`): text no
 * declaration's keyword starts (the header's, a test's, or none), in which a name then `{` opens
 * that bracket. The block
 * is cut out and read as the input block after the split (schema-slips.ts): an annotation on a
 * field in it stays in it, as in the input block.
 */
function inMisnamedBlock(current: readonly IToken[], opener: number | undefined): boolean {
  const first = current[0]!.tokenType;
  if (first !== T.Policy && first !== T.Test && ruleFor(current[0]!) !== "junk") return false;
  return opener !== undefined && current[opener]!.tokenType === T.LBrace && opener > 0 && namesInputLikeBlock(current[opener - 1]!);
}

/**
 * Where the annotations from tokens[at] (an `@`) end, when they are written in the declaration
 * `current` holds, `depth` brackets deep in it, on a field of the input block or a key of a test's
 * data (inside its `input {`); undefined when they are not. In the input block or a test, a field
 * or key after them keeps them there at any depth: a record's `{` left out (`user: id: string, … }`)
 * or a test's (`test "t"` then `input {`) leaves the brackets counted here one short, and a rule's
 * head is never followed by `name:`.
 */
function annotationsInBlock(current: readonly IToken[], depth: number, opener: number | undefined, tokens: readonly IToken[], at: number): number | undefined {
  const first = current[0]?.tokenType;
  if (first === T.Input) return annotationsBeforeEntry(tokens, at, "input");
  if (first === T.Test && depth >= 2) return annotationsBeforeEntry(tokens, at, "data");
  if (depth >= 1 && inMisnamedBlock(current, opener)) return annotationsBeforeEntry(tokens, at, "input");
  if (first === T.Test) return annotationsBeforeEntry(tokens, at, "data");
  return undefined;
}

/**
 * Cuts the token stream before each declaration. `policy let permit forbid test @` start a
 * declaration anywhere (they cannot appear inside one, except as a name after `.` or before `:`/`?`);
 * `input` does only at bracket depth 0, since tests contain `input { ... }`, and neither right after
 * a test's name (its `{` left out: the `input` is the test's) nor, right after a test's head
 * (afterTestHead), where a test's data follows it rather than a schema (dataFollows). Annotations
 * stay with the rule they precede, as long as what follows them is the rule's effect: after
 * `@reason("x") permitt first when …` (the effect misspelt or left out) the next `@`, `permit` or
 * `forbid` starts a declaration of its own, which the broken head would otherwise have swallowed.
 * An annotation a field or data key follows, inside an input block or a test's data, stays in it:
 * annotations go on rules only, and the block reports it (field-annotations.ts); cut there, the
 * block lost every field after it.
 *
 * Given the text, a word standing for a declaration keyword (`Permit`, `tset`, `const`, `allow`:
 * keywordStandIn) starts a declaration too, where it is the first token of its line, outside every
 * bracket of the declaration before it, not after a token that wants an operand, and what follows
 * it is that declaration's shape (`NAME when`, `NAME =`, `STRING {`): no expression continues so.
 * The chunk is read with the keyword and carries the slip, reported once. After a broken
 * declaration, such a line was swallowed with no error of its own, and so was every declaration up
 * to the next keyword.
 */
export function splitDeclarations(tokens: readonly IToken[], text?: string): Chunk[] {
  const chunks: Chunk[] = [];
  let current: IToken[] = [];
  let depth = 0;
  let seenEffect = false;
  let head: HeadSlot = "at";
  let inNameList = false;
  let slip: Chunk["slip"];
  // the index in `current` of the bracket that last opened at depth 0 (inMisnamedBlock)
  let outerOpener: number | undefined;
  const flush = () => {
    if (current.length > 0) chunks.push({ rule: ruleFor(current[0]!), tokens: current, ...(slip && { slip }), ...(text !== undefined && { text }) });
    current = [];
    slip = undefined;
    outerOpener = undefined;
    depth = 0;
    seenEffect = false;
    head = "at";
  };
  for (let i = 0; i < tokens.length; i++) {
    let t = tokens[i]!;
    const annotated = t.tokenType === T.At ? annotationsInBlock(current, depth, outerOpener, tokens, i) : undefined;
    if (annotated !== undefined) {
      // (the annotations' brackets are balanced: the depth is the same after them)
      for (; i < annotated; i++) current.push(tokens[i]!);
      i--;
      continue;
    }
    const prev = tokens[i - 1]?.tokenType;
    const next = tokens[i + 1]?.tokenType;
    // a keyword used as a name: a selector, a field or data key, an entry of `by [...]`/`errors [...]`
    if (t.tokenType === T.LBracket && (prev === T.By || prev === T.Errors)) inNameList = true;
    // any closer ends it: `by [r }` must not leave every later keyword read as a name
    else if (CLOSERS.has(t.tokenType)) inNameList = false;
    // (`input.agent` and `input["agent"]`, as Rego and Cedar write a request's field, are names in
    // a condition too: read as a second input block, they cut the rule short and were reported as one)
    const inputField = t.tokenType === T.Input && (next === T.Dot || next === T.LBracket || next === T.LBracketQuestion);
    const nameUse = inNameList || prev === T.Dot || prev === T.DotQuestion || next === T.Colon || next === T.Question || inputField;
    let starts = false;
    const inRuleHead = current.length > 0 && current[0]!.tokenType === T.At && !seenEffect && head !== "over";
    // `input {` starts the input block even after a bracket left open above it (`let X = [1, 2`):
    // anywhere but in a test (whose request is `input { … }` too) it could be nothing else
    const inputBlock =
      t.tokenType === T.Input &&
      (depth === 0 || (next === T.LBrace && current[0]?.tokenType !== T.Test)) &&
      !(current.length === 2 && current[0]!.tokenType === T.Test && tokenMatcher(current[1]!, T.AnyString)) &&
      !(next === T.LBrace && afterTestHead(tokens, i) && dataFollows(tokens, i));
    if (!nameUse && (STRONG.has(t.tokenType) || inputBlock)) {
      // `@a("x") @b("y") permit r`: the annotations and the rule are one declaration
      starts = !(inRuleHead && (t.tokenType === T.At || t.tokenType === T.Permit || t.tokenType === T.Forbid));
    } else if (text !== undefined && depth === 0 && !inNameList && !inRuleHead && startsLine(tokens, i, text) && !(prev !== undefined && (WANTS_OPERAND.has(prev) || tokenMatcher(tokens[i - 1]!, T.BinOp)))) {
      const standIn = keywordStandIn(tokens, i, text);
      if (standIn !== undefined) {
        flush();
        slip = { token: t, help: standIn.help };
        t = { ...t, tokenType: standIn.keyword, tokenTypeIdx: standIn.keyword.tokenTypeIdx! };
      }
    }
    if (starts) flush();
    if (t.tokenType === T.Permit || t.tokenType === T.Forbid) seenEffect = true;
    if (OPENERS.has(t.tokenType) && depth++ === 0) outerOpener = current.length;
    else if (CLOSERS.has(t.tokenType)) depth = Math.max(0, depth - 1);
    current.push(t);
    if (current[0]!.tokenType === T.At && !seenEffect) head = nextHeadSlot(head, t);
  }
  flush();
  return chunks;
}
