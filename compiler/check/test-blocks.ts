// The checks of a `test` block that need no backend: an expectation that no decision can meet, and
// an input the schema refuses or accepts against what the test expects. Each such test could only
// ever fail at `writ test`; `writ check` says so, where, and why.
//
// What a decision can be (docs/language.md, "Decisions"): an allow is decided by the permits that
// held, and no forbid held or errored; a deny by the forbids that held or errored, and then no
// permit was evaluated; or, when no forbid and no permit held, by no rule, with the errors of the
// permits; a request the schema refuses is a deny by no rule with the request's error alone.

import type { DataValue, Expectation, Identifier } from "../syntax/ast.js";
import { type Diagnostic, error, quotedName } from "../diagnostics.js";
import type { Span } from "../source.js";
import type { RequestCheck } from "../../runtime/request.js";
import { escapeControls, shownKey } from "../../runtime/thrown.js";
import { Codes } from "./codes.js";

export type Effect = "permit" | "forbid";

/** What a test expects, as the test runner compares it with a decision. */
export interface CheckedExpectation {
  readonly decision: "allow" | "deny";
  readonly by: readonly string[] | undefined;
  readonly errors: readonly string[] | undefined;
  readonly invalid: boolean;
}

/**
 * The expectation `e`, with a diagnostic for each rule it names that the policy does not have
 * (W0601, with the one `suggest` finds nearest) and each way in which no decision can meet it
 * (W0604). `effects` holds each rule's effect by name.
 */
export function checkExpectation(e: Expectation, effects: ReadonlyMap<string, Effect>, diagnostics: Diagnostic[], suggest: SuggestRule): CheckedExpectation {
  const by = knownNames(e.by, "by", effects, diagnostics, suggest);
  const errors = knownNames(e.errors, "errors", effects, diagnostics, suggest);
  const never = (message: string, span: Span) => diagnostics.push(error(Codes.impossibleExpectation, `${message}: the test can never pass`, span));
  if (e.invalid) {
    // a refused request is denied before any rule is evaluated, with its own error alone
    if (e.decision === "allow") never("a request the schema refuses (`invalid`) is denied, never allowed", e.span);
    if (by?.length) never("a request the schema refuses (`invalid`) is decided by no rule: its `by` is empty", by[0]!.span);
    if (errors?.length) never("a request the schema refuses (`invalid`) is decided before any rule is evaluated: its `errors` is empty", errors[0]!.span);
  } else if (e.decision === "allow") {
    if (e.by?.length === 0) never("an allow is decided by at least one permit: `by []` is a deny's", e.span);
    for (const id of ofEffect(by, "forbid", effects))
      never(`\`${quotedName(id.name)}\` is a forbid, and an allow is decided by permits alone`, id.span);
    for (const id of ofEffect(errors, "forbid", effects))
      never(`\`${quotedName(id.name)}\` is a forbid, and a forbid whose condition errors denies`, id.span);
    // a permit whose condition errors did not hold, and an allow's deciding rules are those that held
    const byNames = new Set(by?.map((id) => id.name));
    for (const id of ofEffect(errors, "permit", effects))
      if (byNames.has(id.name)) never(`permit \`${quotedName(id.name)}\` errors, so it does not hold: an allow's \`by\` names only permits that held`, id.span);
  } else {
    for (const id of ofEffect(by, "permit", effects))
      never(`\`${quotedName(id.name)}\` is a permit, and a deny is decided by forbids alone`, id.span);
    deniedErrors(by, errors, effects, never);
  }
  return { decision: e.decision, by: by?.map((id) => id.name), errors: errors?.map((id) => id.name), invalid: e.invalid };
}

/**
 * The rules a deny's `errors` may name: the forbids that errored, each a deciding rule (in `by`);
 * or, in a deny by no rule, the permits that errored. Permits are evaluated only when no forbid
 * held or errored, so they never error beside a forbid, nor in a deny by forbids.
 */
function deniedErrors(by: readonly Identifier[] | undefined, errors: readonly Identifier[] | undefined, effects: ReadonlyMap<string, Effect>, never: (message: string, span: Span) => void): void {
  const byNames = new Set(by?.map((id) => id.name));
  for (const id of ofEffect(errors, "forbid", effects))
    if (by !== undefined && !byNames.has(id.name))
      never(`forbid \`${quotedName(id.name)}\` errors, so it is a deciding rule, and \`by\` does not name it`, id.span);
  const forbid = ofEffect(errors, "forbid", effects)[0] ?? ofEffect(by, "forbid", effects)[0];
  if (forbid === undefined) return;
  for (const id of ofEffect(errors, "permit", effects))
    never(`permit \`${quotedName(id.name)}\` cannot error where forbid \`${quotedName(forbid.name)}\` decides: the permits are evaluated only when no forbid holds or errors`, id.span);
}

/** "did you mean …?" for a rule name a test misspells, among the policy's rules (`effects`' names). */
export type SuggestRule = (name: string, rules: Iterable<string>) => string | undefined;

/**
 * The names of a `by` or `errors` clause; an unknown rule (W0601, with the rule it is nearest) or
 * one named twice (W0604) is reported, and left out.
 */
function knownNames(ids: readonly Identifier[] | undefined, clause: string, effects: ReadonlyMap<string, Effect>, diagnostics: Diagnostic[], suggest: SuggestRule): Identifier[] | undefined {
  if (!ids) return undefined;
  const seen = new Set<string>();
  const known: Identifier[] = [];
  for (const id of ids) {
    if (!effects.has(id.name)) diagnostics.push(error(Codes.unknownTestRule, `this policy has no rule \`${quotedName(id.name)}\``, id.span, suggest(id.name, effects.keys())));
    else if (seen.has(id.name))
      diagnostics.push(error(Codes.impossibleExpectation, `rule \`${quotedName(id.name)}\` is named twice in \`${clause}\`, where a decision lists each rule once: the test can never pass`, id.span));
    else known.push(id);
    seen.add(id.name);
  }
  return known;
}

function ofEffect(ids: readonly Identifier[] | undefined, effect: Effect, effects: ReadonlyMap<string, Effect>): Identifier[] {
  return (ids ?? []).filter((id) => effects.get(id.name) === effect);
}

/**
 * W0605 when the schema's validator (the one every backend decides with) refuses the test's input
 * and the test does not expect `invalid`, pointing at the value it names; or accepts it and the
 * test does.
 */
export function checkTestInput(input: DataValue, request: unknown, validate: RequestCheck, e: Expectation, diagnostics: Diagnostic[]): void {
  const refused = validate(request);
  if (refused && !e.invalid)
    diagnostics.push(
      error(Codes.badTestInput, `the schema refuses this test's input: ${escapeControls(refused.message)}`, spanAtPath(input, refused.path), "a request the schema refuses is denied before any rule is evaluated; to test that it is, write `expect deny invalid`"),
    );
  if (!refused && e.invalid) diagnostics.push(error(Codes.badTestInput, "this test expects its input to be refused (`invalid`), but the schema accepts it", e.span));
}

/**
 * Where in the test's data the value at `path` (as the validator writes it: `user.roles[3]`,
 * `limits["k"]`) is written: that entry, key and value, or that element; for a field that is
 * missing, the record that lacks it. The deepest value the path reaches.
 */
function spanAtPath(input: DataValue, path: string): Span {
  return deepest(input, path === "" || path.startsWith("[") ? path : `.${path}`, input.span).span;
}

/**
 * How far down `value` (written at `span`) the path `rest` goes, and where it stops: each step that
 * could spell it is tried (a key holding `.` or `[` could spell more than one), the one going
 * furthest kept.
 */
function deepest(value: DataValue, rest: string, span: Span): { span: Span; rest: number } {
  let best = { span, rest: rest.length };
  if (rest === "") return best;
  const steps: [string, DataValue, Span][] = [];
  if (value.kind === "DataObject")
    for (const entry of value.entries) {
      const whole = { start: entry.keySpan.start, end: entry.value.span.end };
      // a field is named whole, a key the request chose cut as shownKey cuts it
      for (const key of new Set([entry.key, shownKey(entry.key)])) steps.push([`.${key}`, entry.value, whole], [`[${JSON.stringify(key)}]`, entry.value, whole]);
    }
  if (value.kind === "DataArray") value.items.forEach((item, i) => steps.push([`[${i}]`, item, item.span]));
  for (const [step, next, at] of steps) {
    const after = rest.slice(step.length);
    if (!rest.startsWith(step) || !(after === "" || after.startsWith(".") || after.startsWith("["))) continue;
    const reached = deepest(next, after, at);
    if (reached.rest < best.rest) best = reached;
  }
  return best;
}
