// The planner refuses, before asc runs, the rules a module cannot hold (W0508: too many statements;
// W0507: too many locals along its deepest calls, or too deep a chain of calls) and a policy whose
// rules' code is too large together (W0508, once). Every refusal is reported: the first rule with
// too many locals used to abort planning, hiding every other rule too large, those found before it
// included. A policy-wide bound caps what many rules each just under the rule's limit cost to
// compile: 10 of 19,852 statements took 108 s and 464 MB.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { planModule } from "../../compiler/backend/plan.js";
import { MAX_POLICY_STATEMENTS } from "../../compiler/backend/rule-size.js";
import type { Diagnostic } from "../../compiler/diagnostics.js";
import { compilePolicy } from "../../compiler/driver.js";
import { scalingPolicySource } from "../../bench/policies/generate-scaling.js";

const INPUT = "input { c: { a: int, b: bool, ob?: bool, xs: list<int>(4) } }";
const policy = (rules: readonly string[]) => `policy "p" version "1.0.0"\n${INPUT}\n${rules.join("\n")}\n`;
const repeated = (n: number, item: string, op: string) => Array.from({ length: n }, () => item).join(op);
/** 6,000 bool fields in a list: over 20,000 statements (W0508) */
const long = `size([${repeated(6_000, "c.b", ", ")}]) == 2`;
/** 490 optional fields joined by `||`: each holds its left side's result and error, over 4,096 locals (W0507) */
const deep = repeated(490, "c.ob", " || ");
/** 257 parts of 255 nodes joined by `&&`, each a function calling the one before (W0507) */
const nested = `c.xs.exists(x, ${Array.from({ length: 257 }, (_, k) => `(${Array.from({ length: 64 }, (_, i) => `x == ${k * 100 + i}`).join(" || ")})`).join(" && ")})`;
/** `c.ob` 640 times, joined by `||` in a balanced tree: 19,852 statements, just under a rule's limit */
function balanced(n: number): string {
  if (n === 1) return "c.ob";
  return `(${balanced(n >> 1)} || ${balanced(n - (n >> 1))})`;
}

async function plan(text: string): Promise<Diagnostic[]> {
  return (await compilePolicy(text, { stopAfter: "plan" })).diagnostics;
}

describe("the planner", () => {
  it("reports every rule the module cannot hold, one diagnostic each, in declaration order", async () => {
    const text = policy([`permit long when ${long}`, `permit small when c.a > 1`, `permit deep when ${deep}`, `permit nested when ${nested}`, `forbid long2 when ${long}`, `forbid deep2 when ${deep}`]);
    const diagnostics = await plan(text);
    expect(diagnostics.map((d) => [d.code, d.message.slice(0, d.message.indexOf(":"))])).toEqual([
      ["W0508", "rule `long` is too large to compile"],
      ["W0507", "rule `deep` is too large for the module's stack"],
      ["W0507", "rule `nested` is nested too deeply for the module's stack"],
      ["W0508", "rule `long2` is too large to compile"],
      ["W0507", "rule `deep2` is too large for the module's stack"],
    ]);
    expect(diagnostics.map((d) => text.slice(d.span.start, d.span.end).split(" when ")[0])).toEqual(["permit long", "permit deep", "permit nested", "forbid long2", "forbid deep2"]);
  }, 120_000);

  it(`refuses a policy whose rules' code comes to more than ${MAX_POLICY_STATEMENTS.toLocaleString("en-US")} statements, once, at its largest rule`, async () => {
    const rules = (n: number) => Array.from({ length: n }, (_, i) => `permit p${i} when ${balanced(640 + (i === 3 ? 1 : 0))}`);
    const text = policy(rules(8));
    const diagnostics = await plan(text);
    expect(diagnostics.map((d) => d.code)).toEqual(["W0508"]);
    const [d] = diagnostics as [Diagnostic];
    expect(d.message).toMatch(
      /^the policy is too large to compile: the code of its rules in the module would be 158,8\d\d statements in all, more than the 150,000 a policy may have; the largest rules: `p3` \(19,8\d\d\), `p0` \(19,852\), `p1` \(19,852\)$/,
    );
    expect(d.help).toBe("make its largest rules smaller, or split it into policies");
    expect(text.slice(d.span.start, d.span.end)).toMatch(/^permit p3 when /);
    // each rule is within a rule's limit, and seven of them within the policy's
    expect(await plan(policy(rules(7)))).toEqual([]);
  }, 120_000);

  it("takes the 10,000-rule scaling policy and the 1,012-rule benchmark policy, far within the policy's bound", async () => {
    const texts = [scalingPolicySource(10_000), readFileSync(new URL("../../bench/policies/agent-governance-large.writ", import.meta.url), "utf8")];
    for (const text of texts) {
      const checked = await compilePolicy(text, { stopAfter: "check" });
      const planned = planModule(checked.ir!);
      expect(planned.diagnostics).toEqual([]);
      expect(planned.generated!.ruleStatements).toBeLessThan(MAX_POLICY_STATEMENTS / 2);
    }
  }, 120_000);
});
