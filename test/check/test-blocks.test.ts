// `test` blocks the checker can tell will never pass: an expectation no decision can meet (W0604),
// and an input the schema refuses while the test does not expect `invalid`, or accepts while it
// does (W0605). Each passed `writ check` and failed only at `writ test`; the checker holds a test's
// input to the validator every backend decides with, so the two agree.

import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { runPolicyTests } from "../../compiler/testing.js";

const header = [
  `policy "p" version "1.0.0"`,
  `input {`,
  `  user: { name: string(32), age: int, tags?: list<string(8)>(2) }`,
  `  action: string(16)`,
  `}`,
  `forbid minors when user.age < 18`,
  `forbid broken when user.age / (user.age - user.age) > 0 && action == "explode"`,
  `permit adults when user.age >= 18 && action == "read"`,
  `permit erring when user.age / (user.age - user.age) > 0 && action == "divide"`,
].join("\n");

const adult = `{ user: { name: "a", age: 30 }, action: "read" }`;
const child = `{ user: { name: "a", age: 3 }, action: "read" }`;

/** The diagnostics of one test, as `code message @ the text it points at`. */
async function diagnose(input: string, expectation: string): Promise<string[]> {
  const text = `${header}\ntest "t" {\n  input ${input}\n  ${expectation}\n}\n`;
  const r = await compilePolicy(text, { stopAfter: "check" });
  return r.diagnostics.map((d) => `${d.code} ${d.message} @ ${text.slice(d.span.start, d.span.end)}`);
}

describe("an expectation that can never pass (W0604)", () => {
  it.each([
    [adult, "expect allow by [adults, adults]", "W0604 rule `adults` is named twice in `by`, where a decision lists each rule once: the test can never pass @ adults"],
    [child, "expect deny errors [minors, minors] by [minors]", "W0604 rule `minors` is named twice in `errors`, where a decision lists each rule once: the test can never pass @ minors"],
    [adult, "expect allow by [minors]", "W0604 `minors` is a forbid, and an allow is decided by permits alone: the test can never pass @ minors"],
    [child, "expect deny by [adults]", "W0604 `adults` is a permit, and a deny is decided by forbids alone: the test can never pass @ adults"],
    [adult, "expect allow by []", "W0604 an allow is decided by at least one permit: `by []` is a deny's: the test can never pass @ expect allow by []"],
    [adult, "expect allow errors [broken]", "W0604 `broken` is a forbid, and a forbid whose condition errors denies: the test can never pass @ broken"],
    // a permit that errors did not hold, so it never decides an allow
    [adult, "expect allow by [adults] errors [adults]", "W0604 permit `adults` errors, so it does not hold: an allow's `by` names only permits that held: the test can never pass @ adults"],
    [child, "expect deny by [minors] errors [broken]", "W0604 forbid `broken` errors, so it is a deciding rule, and `by` does not name it: the test can never pass @ broken"],
    [child, "expect deny by [minors] errors [erring]", "W0604 permit `erring` cannot error where forbid `minors` decides: the permits are evaluated only when no forbid holds or errors: the test can never pass @ erring"],
    [child, "expect deny errors [broken, erring]", "W0604 permit `erring` cannot error where forbid `broken` decides: the permits are evaluated only when no forbid holds or errors: the test can never pass @ erring"],
    [`{ user: { name: "a" }, action: "read" }`, "expect allow invalid", "W0604 a request the schema refuses (`invalid`) is denied, never allowed: the test can never pass @ expect allow invalid"],
    [`{ user: { name: "a" }, action: "read" }`, "expect deny invalid by [minors]", "W0604 a request the schema refuses (`invalid`) is decided by no rule: its `by` is empty: the test can never pass @ minors"],
    [`{ user: { name: "a" }, action: "read" }`, "expect deny invalid errors [erring]", "W0604 a request the schema refuses (`invalid`) is decided before any rule is evaluated: its `errors` is empty: the test can never pass @ erring"],
  ])("refuses %s with `%s`", async (input, expectation, said) => {
    expect(await diagnose(input, expectation)).toEqual([said]);
  });

  it.each([
    [adult, "expect allow by [adults]"],
    [child, "expect deny by [minors]"],
    [`{ user: { name: "a", age: 30 }, action: "write" }`, "expect deny by []"],
    [`{ user: { name: "a", age: 30 }, action: "divide" }`, "expect deny by [] errors [erring]"],
    [`{ user: { name: "a", age: 30 }, action: "explode" }`, "expect deny by [broken] errors [broken]"],
    [`{ user: { name: "a", age: 30 }, action: "explode" }`, "expect deny errors [broken]"],
    [`{ user: { name: "a" }, action: "read" }`, "expect deny invalid by [] errors []"],
  ])("takes, and writ test passes, %s with `%s`", async (input, expectation) => {
    expect(await diagnose(input, expectation)).toEqual([]);
    const r = await compilePolicy(`${header}\ntest "t" { input ${input} ${expectation} }\n`, { stopAfter: "check" });
    const report = runPolicyTests(r.checked!, undefined);
    expect(report.outcomes.map((o) => o.problems)).toEqual([[]]);
  });

  it("takes, and writ test passes, an allow by one permit with another's error", async () => {
    const text = `policy "q" version "1"\ninput { a: int }\npermit held when a == 0\npermit erring when 1 / a == 1\ntest "t" { input { a: 0 } expect allow by [held] errors [erring] }\n`;
    const r = await compilePolicy(text, { stopAfter: "check" });
    expect(r.diagnostics).toEqual([]);
    expect(runPolicyTests(r.checked!, undefined).outcomes.map((o) => o.problems)).toEqual([[]]);
  });

  it("still reports a rule the policy does not have as W0601, and nothing more for it", async () => {
    expect(await diagnose(adult, "expect allow by [nobody, nobody]")).toEqual([
      "W0601 this policy has no rule `nobody` @ nobody",
      "W0601 this policy has no rule `nobody` @ nobody",
    ]);
  });

  it("suggests the policy's rule nearest a misspelt one, in `by` and in `errors`", async () => {
    const text = `${header}
test "t" {
  input ${child}
  expect deny by [minor] errors [brokn, zzz]
}
`;
    const r = await compilePolicy(text, { stopAfter: "check" });
    expect(r.diagnostics.map((d) => [d.code, d.message, d.help])).toEqual([
      ["W0601", "this policy has no rule `minor`", "did you mean `minors`?"],
      ["W0601", "this policy has no rule `brokn`", "did you mean `broken`?"],
      // a name near none of the rules has no help
      ["W0601", "this policy has no rule `zzz`", undefined],
    ]);
  });
});

describe("a test input held to the schema (W0605)", () => {
  const help = "a request the schema refuses is denied before any rule is evaluated; to test that it is, write `expect deny invalid`";
  it.each([
    [`{ user: { name: "a", age: 30, extra: 1 }, action: "read" }`, "user.extra: unknown field `extra`", "extra: 1"],
    [`{ user: { name: "a", age: "thirty" }, action: "read" }`, "user.age: expected int, got a string", 'age: "thirty"'],
    [`{ user: { name: "a" }, action: "read" }`, "user.age: missing required field", 'user: { name: "a" }'],
    [`{ user: { name: "a", age: 30 } }`, "action: missing required field", `{ user: { name: "a", age: 30 } }`],
    [`{ user: { name: "${"a".repeat(33)}", age: 30 }, action: "read" }`, "user.name: string is 33 bytes long, more than the 32 allowed", `name: "${"a".repeat(33)}"`],
    [`{ user: { name: "a", age: 30, tags: ["x", 5] }, action: "read" }`, "user.tags[1]: expected string, got the number 5", "5"],
    [`{ user: { name: "a", age: 30, tags: ["x", "y", "z"] }, action: "read" }`, "user.tags: list has 3 elements, more than the 2 allowed", 'tags: ["x", "y", "z"]'],
    [`{ user: { name: "a", age: 9223372036854775808 }, action: "read" }`, "user.age: integer 9223372036854775808 is outside the int64 range", "age: 9223372036854775808"],
  ])("refuses the input %s, pointing at what the validator names", async (input, message, at) => {
    const text = `${header}\ntest "t" {\n  input ${input}\n  expect allow\n}\n`;
    const r = await compilePolicy(text, { stopAfter: "check" });
    expect(r.diagnostics.map((d) => [d.code, d.message, text.slice(d.span.start, d.span.end), d.help])).toEqual([["W0605", `the schema refuses this test's input: ${message}`, at, help]]);
  });

  it("says what writ test would say: the checker's message is the validator's", async () => {
    const input = `{ user: { name: "a", age: "thirty" }, action: "read" }`;
    const refused = await compilePolicy(`${header}\ntest "t" { input ${input} expect deny invalid }\n`, { stopAfter: "check" });
    expect(refused.diagnostics).toEqual([]);
    const [outcome] = runPolicyTests(refused.checked!, undefined).outcomes;
    expect(outcome!.passed).toBe(true);
    expect(outcome!.interp.errors[0]!.message).toBe("user.age: expected int, got a string");
  });

  it("refuses `invalid` for an input the schema accepts", async () => {
    expect(await diagnose(adult, "expect deny invalid")).toEqual(["W0605 this test expects its input to be refused (`invalid`), but the schema accepts it @ expect deny invalid"]);
  });

  it("does not hold inputs to a schema with errors, nor after a syntax error, where either would be said again", async () => {
    const broken = `policy "p" version "1.0.0"\ninput { n: nosuchtype }\npermit p when true\ntest "t" { input { n: 1, m: 2 } expect allow }\n`;
    expect((await compilePolicy(broken, { stopAfter: "check" })).diagnostics.map((d) => d.code)).toEqual(["W0301"]);
    const syntax = `policy "p" version "1.0.0"\ninput { n: int, m int }\npermit p when true\ntest "t" { input { n: 1, m: 2 } expect allow }\n`;
    expect((await compilePolicy(syntax, { stopAfter: "check" })).diagnostics.every((d) => d.code !== "W0605")).toBe(true);
  });
});
