// Runs the expression corpus (test/cases/expressions.json) through the checker, the reference
// interpreter and the WASM module: each expression is one permit of a single policy, so one decision
// reports every rule's outcome, and both backends must return the same decision.

import { readFileSync } from "node:fs";
import { describe, expect, it, beforeAll } from "vitest";
import { compilePolicy, type CompileResult } from "../../compiler/driver.js";
import { createInterpreter } from "../../compiler/ir/interp.js";
import { loadPolicy } from "../../runtime/policy.js";
import type { Decision } from "../../runtime/decision.js";

interface Case {
  expr: string;
  expect: boolean | string;
}
const corpus = JSON.parse(readFileSync(new URL("../cases/expressions.json", import.meta.url), "utf8")) as {
  schema: string;
  request: unknown;
  cases: Case[];
};
const request = JSON.parse(JSON.stringify(corpus.request), (_k, v) => (typeof v === "string" && /^-?\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v));
const policyText = (exprs: string[]) =>
  `policy "expressions" version "1.0.0"\ninput { ${corpus.schema} }\n` + exprs.map((e, i) => `permit c${i} when ${e}`).join("\n") + "\n";

const runtimeCases = corpus.cases.filter((c) => typeof c.expect === "boolean" || c.expect.startsWith("error:"));
const checkCases = corpus.cases.filter((c) => typeof c.expect === "string" && c.expect.startsWith("check:"));

function outcome(d: Decision, rule: string): boolean | string {
  if (d.rules.includes(rule)) return true;
  const e = d.errors.find((x) => x.rule === rule);
  return e ? `error:${e.code}` : false;
}

describe("expression semantics", () => {
  let compiled: CompileResult;
  beforeAll(async () => {
    compiled = await compilePolicy(policyText(runtimeCases.map((c) => c.expr)), { optimize: false });
  });

  it("compiles the corpus without diagnostics", () => {
    expect(compiled.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([]);
    expect(compiled.bundle).toBeDefined();
  });

  it("the interpreter gives every expected outcome", () => {
    const d = createInterpreter(compiled.checked!.ir, compiled.checked!.errorSites).decide(request);
    const got = runtimeCases.map((c, i) => ({ expr: c.expr, outcome: outcome(d, `c${i}`) }));
    expect(got).toEqual(runtimeCases.map((c) => ({ expr: c.expr, outcome: c.expect })));
  });

  it("the WASM module returns the same decision as the interpreter", () => {
    const interp = createInterpreter(compiled.checked!.ir, compiled.checked!.errorSites).decide(request);
    const wasm = loadPolicy(compiled.bundle!, { allowUnsigned: true }).decide(request);
    expect(wasm).toEqual(interp);
  });

  for (const c of checkCases) {
    it(`refuses \`${c.expr}\` with ${(c.expect as string).slice(6)}`, async () => {
      const r = await compilePolicy(policyText([c.expr]), { stopAfter: "check" });
      expect(r.diagnostics.map((d) => d.code)).toContain((c.expect as string).slice(6));
      expect(r.ir).toBeUndefined();
    });
  }
});
