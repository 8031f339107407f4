// Runs a policy's `test` blocks through both backends — the reference interpreter and the WASM
// module — and checks each against its expectation and the two backends against each other.
// Used by `writ test` and by the project's own test suite.

import type { Decision } from "../runtime/decision.js";
import type { DecidingPolicy } from "../runtime/policy-types.js";
import type { CheckedPolicy, PolicyTest } from "./check/policy.js";
import { createInterpreter } from "./ir/interp.js";

export interface TestOutcome {
  readonly test: PolicyTest;
  readonly passed: boolean;
  /** what went wrong, one line each; empty when passed */
  readonly problems: readonly string[];
  readonly interp: Decision;
  readonly wasm: Decision | undefined;
}

export interface TestReport {
  readonly outcomes: readonly TestOutcome[];
  /** rules that no test saw hold or error, in declaration order */
  readonly unexercised: readonly string[];
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().join("\0") === [...b].sort().join("\0");
const list = (xs: readonly string[]) => `[${xs.join(", ")}]`;

/** Deep equality of two decisions, as the differential tests require (order included). */
export function sameDecision(a: Decision, b: Decision): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A decision in one line: `allow by [p]`, `deny by [f] with errors [g: division_by_zero]`, `deny (no permit held)`. */
export function describeDecision(d: Decision): string {
  const errors = d.errors.map((e) => (e.rule === null ? `invalid request (${e.message})` : `${e.rule}: ${e.code}`));
  // a deny with neither deciding rules nor errors is the default one: say so, or it reads as unexplained
  if (d.decision === "deny" && d.rules.length === 0 && errors.length === 0) return "deny (no permit held)";
  return `${d.decision}${d.rules.length ? ` by ${list(d.rules)}` : ""}${errors.length ? ` with errors ${list(errors)}` : ""}`;
}

function expectationProblems(t: PolicyTest, d: Decision): string[] {
  const problems: string[] = [];
  const e = t.expect;
  if (d.decision !== e.decision) problems.push(`expected ${e.decision}, got ${describeDecision(d)}`);
  if (e.by && !sameSet(e.by, d.rules)) problems.push(`expected deciding rules ${list(e.by)}, got ${list(d.rules)}`);
  const errored = d.errors.flatMap((x) => (x.rule === null ? [] : [x.rule]));
  if (e.errors && !sameSet(e.errors, errored)) problems.push(`expected errors in ${list(e.errors)}, got ${list(errored)}`);
  const invalid = d.errors.some((x) => x.rule === null);
  if (e.invalid && !invalid) problems.push("expected the request to be invalid, but it was accepted");
  if (!e.invalid && invalid) problems.push(`request was refused: ${d.errors.map((x) => x.message).join("; ")}`);
  return problems;
}

/** Runs every test; `wasm` is the loaded module (omit it to run the interpreter alone). */
export function runPolicyTests(checked: CheckedPolicy, wasm: DecidingPolicy | undefined): TestReport {
  const interpreter = createInterpreter(checked.ir, checked.errorSites);
  const exercised = new Set<string>();
  const outcomes = checked.tests.map((test): TestOutcome => {
    const interp = interpreter.decide(test.request);
    const w = wasm?.decide(test.request);
    const problems = expectationProblems(test, interp);
    if (w && !sameDecision(interp, w))
      problems.push(`backends disagree: interpreter says ${JSON.stringify(interp)}, wasm says ${JSON.stringify(w)}`);
    for (const r of interp.rules) exercised.add(r);
    for (const e of interp.errors) if (e.rule) exercised.add(e.rule);
    return { test, passed: problems.length === 0, problems, interp, wasm: w };
  });
  const unexercised = checked.ir.rules.map((r) => r.name).filter((n) => !exercised.has(n));
  return { outcomes, unexercised };
}
