// How large a rule's code may be. Binaryen's optimiser takes about 0.2 to 0.4 ms of CPU for each
// statement the backend writes, however the code is cut into functions (outline.ts): a rule of a
// list of 20,000 macros (near the parser's 300,000 tokens) was 224,000 statements and took 72 s of
// CPU and 650 MB. So a rule is refused (W0508) when its code, its function's and those made of it,
// would be more statements than MAX_RULE_STATEMENTS: rules at the limit, of the heaviest shapes
// found (macros in macros joined by `||`, optional fields joined by `||`, bool fields in a list,
// macros in a list or map), compile in 5 to 7 s (6 to 8 s of CPU) and 240 to 310 MB on the
// project's 2-core VM.
//
// A policy of many rules is bounded by the number of its rules (W0504) and its tokens (W0114), which
// leave room for some 78 rules each just under MAX_RULE_STATEMENTS, minutes of compiling: ten of
// 19,852 statements took 108 s and 464 MB. So the rules' code together is bounded too, by
// MAX_POLICY_STATEMENTS, reported once for the policy (W0508, at its largest rule).
//
// The measure is the code, not the condition's size: a node of the IR is one statement or none (a
// comparison of two fields read) or twenty (`||` whose sides can fail, which must absorb an error
// of either), and the optimiser's time follows the statements.

import { inlinedCallsOf } from "./locals.js";

/** The most statements a rule's code may have (W0508). */
export const MAX_RULE_STATEMENTS = 20_000;

/**
 * The most statements the code of all a policy's rules may have together (W0508, at the policy):
 * seven rules of 19,852 statements each (139,000) compiled in 71 s (35 s of CPU) and 430 MB on the
 * project's 2-core VM, within the background compiler's 120 s (compiler/worker.ts). Rules of ordinary
 * size are far below: the 1,012-rule benchmark policy's come to 6,105 statements, the 10,000-rule
 * scaling policy's (bench/policies/generate-scaling.ts) to 60,000, and 20,000 such rules, the most
 * a policy may have (W0504), to 120,000.
 */
export const MAX_POLICY_STATEMENTS = 150_000;

/**
 * What a call of an inlined support function (`flag`, `inString`, ...: locals.ts) adds: its body,
 * a test, a trap and a result at least. A literal of 9,825 bool fields read, counted one statement
 * each and one for its call of `flag`, took 11 s to optimise where 20,000 other statements took 4
 * to 8 s.
 */
const INLINED_CALL_STATEMENTS = 3;

/** The statements of these lines of generated code: each line, and the body of each inlined call it makes. */
export function statementsOf(lines: readonly string[]): number {
  return lines.length + INLINED_CALL_STATEMENTS * inlinedCallsOf(lines);
}
