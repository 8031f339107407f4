// Cutting a file's tokens into declarations, before any is parsed: each is parsed on its own, so
// an error in one rule leaves the next ones intact and every declaration's errors are reported in
// one run (index.ts parses them).

import type { IToken } from "chevrotain";
import * as T from "./lexer.js";
import { annotationsBeforeEntry } from "./field-annotations.js";
import { CLOSERS, OPENERS } from "./nesting.js";
import type { DeclarationRule } from "./parser.js";

const STRONG = new Set([T.Policy, T.Let, T.Permit, T.Forbid, T.Test, T.At]);

export interface Chunk {
  readonly rule: DeclarationRule | "junk";
  readonly tokens: IToken[];
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
 * Where the annotations from tokens[at] (an `@`) end, when they are written in the declaration
 * `current` holds, `depth` brackets deep in it, on a field of the input block or a key of a test's
 * data (inside its `input {`); undefined when they are not.
 */
function annotationsInBlock(current: readonly IToken[], depth: number, tokens: readonly IToken[], at: number): number | undefined {
  const first = current[0]?.tokenType;
  if (first === T.Input && depth >= 1) return annotationsBeforeEntry(tokens, at, "input");
  if (first === T.Test && depth >= 2) return annotationsBeforeEntry(tokens, at, "data");
  return undefined;
}

/**
 * Cuts the token stream before each declaration. `policy let permit forbid test @` start a
 * declaration anywhere (they cannot appear inside one, except as a name after `.` or before `:`/`?`);
 * `input` does only at bracket depth 0, since tests contain `input { ... }`. Annotations stay with
 * the rule they precede, as long as what follows them is the rule's effect: after
 * `@reason("x") permitt first when …` (the effect misspelt or left out) the next `@`, `permit` or
 * `forbid` starts a declaration of its own, which the broken head would otherwise have swallowed.
 * An annotation a field or data key follows, inside an input block or a test's data, stays in it:
 * annotations go on rules only, and the block reports it (field-annotations.ts); cut there, the
 * block lost every field after it.
 */
export function splitDeclarations(tokens: readonly IToken[]): Chunk[] {
  const chunks: Chunk[] = [];
  let current: IToken[] = [];
  let depth = 0;
  let seenEffect = false;
  let head: HeadSlot = "at";
  let inNameList = false;
  const flush = () => {
    if (current.length > 0) chunks.push({ rule: ruleFor(current[0]!), tokens: current });
    current = [];
    depth = 0;
    seenEffect = false;
    head = "at";
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const annotated = t.tokenType === T.At ? annotationsInBlock(current, depth, tokens, i) : undefined;
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
    // (`input.agent`, as Rego and Cedar write a request's field, is a name in a condition too:
    // read as a second input block, it cut the rule short and was reported as one)
    const nameUse = inNameList || prev === T.Dot || prev === T.DotQuestion || next === T.Colon || next === T.Question || (t.tokenType === T.Input && next === T.Dot);
    let starts = false;
    // `input {` starts the input block even after a bracket left open above it (`let X = [1, 2`):
    // anywhere but in a test (whose request is `input { … }` too) it could be nothing else
    const inputBlock = t.tokenType === T.Input && (depth === 0 || (next === T.LBrace && current[0]?.tokenType !== T.Test));
    if (!nameUse && (STRONG.has(t.tokenType) || inputBlock)) {
      const inRuleHead = current.length > 0 && current[0]!.tokenType === T.At && !seenEffect && head !== "over";
      // `@a("x") @b("y") permit r`: the annotations and the rule are one declaration
      starts = !(inRuleHead && (t.tokenType === T.At || t.tokenType === T.Permit || t.tokenType === T.Forbid));
    }
    if (starts) flush();
    if (t.tokenType === T.Permit || t.tokenType === T.Forbid) seenEffect = true;
    if (OPENERS.has(t.tokenType)) depth++;
    else if (CLOSERS.has(t.tokenType)) depth = Math.max(0, depth - 1);
    current.push(t);
    if (current[0]!.tokenType === T.At && !seenEffect) head = nextHeadSlot(head, t);
  }
  flush();
  return chunks;
}
