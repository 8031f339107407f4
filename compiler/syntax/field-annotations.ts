// An annotation (`@doc("…")`) written on a field of the input block, or on a key of a test's data.
// Annotations go on rules only. Since `@` starts a declaration wherever it is written, one before a
// field cut the input block short there: the `@` was one error, the field after it a second
// ("expected `permit` or `forbid`"), and every field after it was left undeclared, each use of one
// an unknown name. So the cut (declarations.ts) keeps an annotation that a field or key follows in
// its block, and the block drops it before it is parsed (index.ts), reported once at its `@`: the
// block is read as written around it. An annotation that a rule's effect follows (`@reason("x")
// permit …` after an input block left open) still starts the rule it belongs to.

import type { IToken } from "chevrotain";
import { error, type Diagnostic } from "../diagnostics.js";
import { tokenMatcher } from "./chevrotain.js";
import { W } from "./diagnostic-codes.js";
import * as T from "./lexer.js";
import { startsField, tokSpan } from "./lexing.js";
import { decodeStringLiteral, firstInvisible } from "./literals.js";
import { CLOSERS, OPENERS } from "./nesting.js";

/** Where annotations are dropped: the input block's records, or the objects of a test's data. */
export type AnnotatedBlock = "input" | "data";

/** whether tokens[i] starts an entry of the block: a field (`name:`, `name?`) or a data key (`name:`, `"key":`) */
function startsEntry(tokens: readonly IToken[], i: number, block: AnnotatedBlock): boolean {
  const t = tokens[i];
  if (block === "input") return startsField(t, tokens[i + 1]);
  return t !== undefined && (tokenMatcher(t, T.AnyName) || tokenMatcher(t, T.AnyString)) && tokens[i + 1]?.tokenType === T.Colon;
}

/**
 * The index after the annotation whose `@` is tokens[at]: its name (unless what follows the `@` is
 * the entry itself, `@ action: …`) and its `( … )`, in which only what an annotation's value may
 * be written with stands (no bracket, `:`, `?` or `@`: past one, the `)` was left out). Undefined
 * where the `(` is never closed so.
 */
function annotationEnd(tokens: readonly IToken[], at: number, block: AnnotatedBlock): number | undefined {
  let i = at + 1;
  const name = tokens[i];
  if (name !== undefined && tokenMatcher(name, T.AnyName) && !startsEntry(tokens, i, block)) i++;
  if (tokens[i]?.tokenType !== T.LParen) return i;
  for (i++; i < tokens.length; i++) {
    const type = tokens[i]!.tokenType;
    if (type === T.RParen) return i + 1;
    if (OPENERS.has(type) || CLOSERS.has(type) || type === T.Colon || type === T.Question || type === T.At) return undefined;
  }
  return undefined;
}

/**
 * Where the annotations from tokens[at] (an `@`) end, when an entry of `block` follows them (or the
 * `}` that closes its record or object); undefined when anything else does: they are then a rule's,
 * and start a declaration.
 */
export function annotationsBeforeEntry(tokens: readonly IToken[], at: number, block: AnnotatedBlock): number | undefined {
  let i = at;
  while (tokens[i]?.tokenType === T.At) {
    const end = annotationEnd(tokens, i, block);
    if (end === undefined) return undefined;
    i = end;
  }
  return tokens[i]?.tokenType === T.RBrace || startsEntry(tokens, i, block) ? i : undefined;
}

/**
 * The tokens of an input block or a test without the annotations written in them, each reported as
 * one W0101 at its `@` spanning the annotation, with how to document a field instead. The tokens
 * themselves when there is none.
 */
export function dropAnnotations(tokens: IToken[], block: AnnotatedBlock, diagnostics: Diagnostic[]): IToken[] {
  if (!tokens.some((t) => t.tokenType === T.At)) return tokens;
  const kept: IToken[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i]!.tokenType !== T.At) {
      kept.push(tokens[i]!);
      continue;
    }
    const end = annotationEnd(tokens, i, block) ?? i + 1;
    const span = { start: tokens[i]!.startOffset, end: tokSpan(tokens[end - 1]!).end };
    diagnostics.push(error(W.UnexpectedToken, annotationMessage(block), span, annotationHelp(tokens.slice(i, end), block)));
    i = end - 1;
  }
  return kept;
}

function annotationMessage(block: AnnotatedBlock): string {
  return block === "input"
    ? "an annotation goes on a rule only, not on a field of the input block"
    : "an annotation goes on a rule only, not in a test's data";
}

/** the longest annotation text the help repeats in its comment */
const MAX_SHOWN = 80;

/**
 * How to say it instead: a `//` comment, holding the annotation's text where it is one string that
 * prints as itself on one line (`@doc("the action")` → `// the action`): no character a reader
 * cannot see (a line break among them), no backtick to end the help's quote, not too long to read.
 */
function annotationHelp(annotation: readonly IToken[], block: AnnotatedBlock): string {
  const what = block === "input" ? "document a field" : "note something in a test's data";
  const strings = annotation.filter((t) => tokenMatcher(t, T.AnyString));
  const decoded = strings.length === 1 ? decodeStringLiteral(strings[0]!.image) : undefined;
  const text = decoded?.kind === "string" && decoded.problems.length === 0 ? decoded.value.trim() : "";
  const shown = text !== "" && text.length <= MAX_SHOWN && !text.includes("`") && firstInvisible(text) === undefined;
  const comment = shown ? `: \`// ${text}\`` : "";
  return `to ${what}, write a \`//\` comment above it${comment}`;
}
