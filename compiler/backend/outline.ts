// Code of one rule that would make its function grow without bound is moved into functions of its
// own ("outlined"), so that no function of the module grows with what a rule says: binaryen's
// optimiser takes far more than linear time and memory over one large function (split.ts says the
// same of the code the module runs for each field of the request).
//
// The number of locals (W0507) bounded a rule's code only where each value took a local of its own:
// the elements of a list or map literal share theirs (codegen-expr.ts, SharedLocals), and a literal
// of 8,000 macros computed from the request was one function of 90,000 lines and a handful of locals,
// over which binaryen's optimiser ran 12 minutes and 4.5 GB before it threw std::bad_alloc (W0901);
// 1,500 took 9 s of CPU and 0.5 GB. Cut into functions, 8,000 took 29 s and 480 MB, 1,500 6.5 s and
// 270 MB: linear in the code, which rule-size.ts then bounds (W0508).
//
// So the emitter counts the IR nodes whose code is in the function it writes. A node whose code comes
// to more than OUTLINE_NODES becomes a function that returns its value (`expr_N`), called where its
// code was; the elements of a literal that come to more are cut into functions of OUTLINE_NODES to
// three times as many nodes (`elems_N`) that store them, called through a tree of calls (split.ts,
// callTree). Either takes as parameters the variables of the macros around it that its code reads
// (and a literal's address); the error register, the arena pointer and the request are globals, so
// evaluation order and errors are the same as inline. Every node but a literal has at most three
// children, so no function holds more than a few times OUTLINE_NODES of them. A rule of fewer nodes
// (every rule of the policies this project ships has fewer than 30) is written as it was.
//
// What a rule's calls take of the stack is still bounded (W0507, locals.ts): the count is now of the
// deepest chain of calls from the rule's function, each outlined frame counting its parameters, its
// locals and FRAME_LOCALS for the rest of the frame. So is how deep they nest (W0507 too,
// call-depth.ts): a part that holds another large part calls the function made of it, so a chain of
// `&&` whose operands are each more than OUTLINE_NODES is as many functions deep as it is long, and
// the profile allows a decision 256.

import { localsOf } from "./locals.js";
import { generatedName } from "./names.js";
import { statementsOf } from "./rule-size.js";

/**
 * The most IR nodes whose code a function holds before a node's is moved into a function of its own.
 * Each node is a few to thirty WebAssembly expressions, so a function of this many is far larger than
 * binaryen inlines into its only caller (split.ts, ONE_CALLER_INLINE_MAX), and small enough that
 * its optimising does not grow faster than its code. The size matters little beyond that: at 64,
 * 256 and 1,024, binaryen optimised a list of 1,500 macros in 6.0, 5.7 and 5.6 s of CPU.
 */
export const OUTLINE_NODES = 256;

/**
 * What an outlined function's frame takes besides its parameters and locals, counted as locals of 8
 * bytes: 64 bytes for the call itself (FRAME_BYTES in runtime/wasm/frames.ts) and a few operands.
 */
export const FRAME_LOCALS = 12;

/** Numbered names (names.ts) in generated code: locals, parameters and functions. */
const NAME = /\b[a-z][a-z_]*_\d+\b/g;
/** A call of an outlined function. */
const CALL = /\b(?:expr|elems)_\d+\(/g;

/** The numbered names `lines` use. */
export function namesIn(lines: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const line of lines) for (const m of line.matchAll(NAME)) names.add(m[0]);
  return names;
}

/** `lines` written at `depth` (two spaces a level), moved to the body of a function (depth 1). */
export function reindent(lines: readonly string[], depth: number): string[] {
  const cut = 2 * depth - 2;
  return lines.map((l) => l.slice(cut));
}

/** The functions outlined from a module's rules, and the locals the deepest chain of calls from each takes. */
export class OutlinedFunctions {
  /** the functions' texts, in the order they were made (a callee before its callers) */
  readonly texts: string[] = [];
  /** the statements of all of them (rule-size.ts) */
  statements = 0;
  private readonly chains = new Map<string, number>();
  private made = 0;

  /**
   * Adds a function of kind `kind`, taking `params` parameters: `code(name)` is its text, which may
   * call functions added before it. Returns its name.
   */
  define(kind: "expr" | "elems", params: number, code: (name: string) => string): string {
    const name = generatedName(kind, this.made++);
    const text = code(name);
    const lines = text.split("\n");
    this.chains.set(name, FRAME_LOCALS + params + localsOf(lines.slice(1), "") + this.deepestCall(lines));
    this.statements += statementsOf(lines);
    this.texts.push(text);
    return name;
  }

  /** The locals the deepest chain of calls of outlined functions made in `lines` takes (0 if none). */
  deepestCall(lines: readonly string[]): number {
    let deepest = 0;
    for (const line of lines) {
      for (const m of line.matchAll(CALL)) deepest = Math.max(deepest, this.chains.get(m[0].slice(0, -1)) ?? 0);
    }
    return deepest;
  }
}

/**
 * Parts of `nodes` nodes each, in order, cut into runs of at least OUTLINE_NODES nodes (fewer only
 * when there is one run) and, as no part holds more than OUTLINE_NODES, fewer than three times as
 * many: a rest of fewer than OUTLINE_NODES joins the run before it.
 */
export function runsOfNodes(nodes: readonly number[]): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  let [from, sum] = [0, 0];
  for (let i = 0; i < nodes.length; i++) {
    sum += nodes[i]!;
    if (sum >= OUTLINE_NODES) {
      out.push({ from, to: i + 1 });
      [from, sum] = [i + 1, 0];
    }
  }
  if (from < nodes.length) {
    if (out.length > 0) out[out.length - 1] = { from: out[out.length - 1]!.from, to: nodes.length };
    else out.push({ from, to: nodes.length });
  }
  return out;
}
