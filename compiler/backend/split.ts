// Generated code whose length grows with the policy is split into functions of a bounded number of
// statements, so that no function of the module grows with the policy: not its locals (asc gives
// every declaration, and every call of an inlined support function, locals of their own, and each
// takes 8 bytes of stack unoptimised, docs/profile.md), nor its size (binaryen's optimiser takes far
// more than linear time over one function of thousands of statements and locals).
//
// A function of split statements holds at most SPLIT_LOCALS locals as asc gives them (locals.ts),
// whatever its statements: a statement takes a few (a check of a string, 5; a dispatch on list
// elements, 11; a check under nested optional records, one for each), and a function of heavy ones
// holds fewer of them (one cut where they reach the limit has that many locals, which makes it too
// large to inline).
//
// A split function must also stay one after optimising: binaryen inlines a function into its only
// caller when its body is small enough (ONE_CALLER_INLINE_MAX), and functions of a few statements
// each would all be inlined back into one. So each holds at least as many statements as make it
// larger than that, and at most twice as many.

import { localsOf } from "./locals.js";

/**
 * Binaryen, as asc sets it up at the shrink level the compiler uses (asc.ts, MIN_SHRINK_LEVEL),
 * inlines a function into its only caller when its body is at most this many expressions; a rule of
 * a few operations is that small, and a call of a rule is one expression.
 */
export const ONE_CALLER_INLINE_MAX = 80;

/**
 * The fewest calls a function of calls holds: more than ONE_CALLER_INLINE_MAX, so that it is never
 * inlined into its caller. Every rule a case runs, and every plain rule, used to be called from the
 * one function that dispatched them, into which binaryen inlined them all: optimising that function
 * grew far faster than the rules (4,000 erroring forbids sharing one case: 277 s of CPU, past the
 * background compiler's time limit). A run of at least this many calls is made by functions of this
 * many to twice as many calls each, so no function takes in more than that.
 */
export const RULE_CHUNK = 96;

/**
 * The fewest statements of a split function (splitStatements) that check a field of the request or
 * dispatch on one, or check a field of a record behind a pointer: each is at least 4 expressions
 * (a call of a check on a loaded pointer) and most are 8 to 30 (an inlined `inString` or `inList`, a
 * dispatch), so 32 make a function binaryen does not inline.
 */
export const STATEMENT_CHUNK = 32;

/**
 * The fewest resets of the flags of the checks made once per decision in one function: a reset is 2
 * expressions, so 64 make a function binaryen does not inline.
 */
export const RESET_CHUNK = 64;

/**
 * The most locals a function of split statements has, unless one statement alone has more (none
 * does: the heaviest, a check of a field under optional records nested 100 deep, has about 100): 4
 * KiB of stack unoptimised. writ_evaluate holds four runs of statements inline (resets, checks,
 * forbids' and permits' dispatches) when each is shorter than its chunk and within this many locals.
 */
export const SPLIT_LOCALS = 512;

/**
 * Adds a function to the module: `code` writes it under the name it is given; returns that name.
 */
export type Define = (code: (name: string) => string) => string;

/** The parameter split functions take and pass on (`p: usize`, `p`), if any. */
export interface Passed {
  readonly declared: string;
  readonly name: string;
}

const NOTHING: Passed = { declared: "", name: "" };

/**
 * Lines that make `calls` (each a call statement, `r3();`) in order: the calls themselves when they
 * are fewer than RULE_CHUNK, else calls of functions (made by `define`) that make them, in a tree as
 * deep as it must be. `pad` indents the lines returned.
 */
export function callTree(calls: readonly string[], pad: string, define: Define, passed: Passed = NOTHING): string[] {
  let made = calls;
  while (made.length >= RULE_CHUNK) {
    const next: string[] = [];
    for (const { from, to } of runs(made.length, RULE_CHUNK)) {
      const part = made.slice(from, to);
      const name = define((name) => [`function ${name}(${passed.declared}): void {`, ...part.map((c) => `  ${c}`), `}`].join("\n"));
      next.push(`${name}(${passed.name});`);
    }
    made = next;
  }
  return made.map((c) => `${pad}${c}`);
}

/**
 * Lines that run `statements` in order, each given as its lines indented for a function body: the
 * statements themselves when they are fewer than `chunk` and take at most SPLIT_LOCALS locals, else
 * calls (indented by `pad`, through callTree) of functions of `chunk` to 2 × `chunk` - 1 statements
 * each, or fewer where they would take more than SPLIT_LOCALS locals. A statement must declare every
 * local it uses, and refer to no other but `passed`, which every function takes.
 */
export function splitStatements(statements: readonly (readonly string[])[], chunk: number, pad: string, define: Define, passed: Passed = NOTHING): string[] {
  const locals = statements.map((s) => localsOf(s, ""));
  let total = 0;
  for (const n of locals) total += n;
  if (statements.length < chunk && total <= SPLIT_LOCALS) return statements.flat();
  const calls: string[] = [];
  for (const run of runs(statements.length, chunk, locals)) {
    const part = statements.slice(run.from, run.to);
    const name = define((name) => [`function ${name}(${passed.declared}): void {`, ...part.flat(), `}`].join("\n"));
    calls.push(`${name}(${passed.name});`);
  }
  return callTree(calls, pad, define, passed);
}

/**
 * `count` statements cut into runs of `chunk` to 2 × `chunk` - 1 (all of them when fewer than
 * `chunk`), each run cut again where its statements' `locals` would add up past SPLIT_LOCALS (calls
 * take none).
 */
function runs(count: number, chunk: number, locals: readonly number[] = []): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = [];
  const pieces = Math.max(1, Math.floor(count / chunk));
  for (let k = 0; k < pieces; k++) {
    const [from, to] = [Math.floor((k * count) / pieces), Math.floor(((k + 1) * count) / pieces)];
    let start = from;
    let taken = 0;
    for (let i = from; i < to; i++) {
      if (i > start && taken + (locals[i] ?? 0) > SPLIT_LOCALS) {
        out.push({ from: start, to: i });
        [start, taken] = [i, 0];
      }
      taken += locals[i] ?? 0;
    }
    out.push({ from: start, to });
  }
  return out;
}
