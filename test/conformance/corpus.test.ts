// The whole upstream CEL conformance corpus through Writ: every supported case must give CEL's answer
// in both backends (reference interpreter and WASM module), and every unsupported case must be refused
// by the compiler — never answered. Runs the same code as `npm run conformance -- --optimize`: the
// modules are compiled at O3, as `writ compile` ships them (the runner's own tests use O0). Every
// case listed in passing-cases.txt must still pass: a pass that became "unsupported" fails no run.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { realBackends } from "../../compiler/conformance/backends.js";
import { celSpecTestdata } from "../support/cel-spec.js";
import {
  compareWithPassingList,
  describeExpected,
  parseCaseList,
  runConformance,
  type ConformanceReport,
} from "../../compiler/conformance/runner.js";

describe("the CEL conformance corpus", () => {
  let report: ConformanceReport;

  it("runs through both backends with no failure", async () => {
    report = await runConformance(celSpecTestdata(), await realBackends({ wasm: true, optimize: true }), { wasm: true });
    const failures = report.files.flatMap((f) => [
      ...f.problems.map((p) => `${f.path}:${p.line}: ${p.message}`),
      ...f.outcomes
        .filter((o) => o.status === "failed")
        .map((o) => `${f.name} ${o.case.section}/${o.case.name}: ${o.case.expr}\n  expected ${describeExpected(o.case)}\n  got ${o.got}`),
    ]);
    expect(failures, failures.join("\n")).toEqual([]);
  }, 300_000);

  it("still passes every case of passing-cases.txt (and notes passes the list lacks)", () => {
    const listed = parseCaseList(readFileSync(join(import.meta.dirname, "passing-cases.txt"), "utf8"));
    const { lost, gained } = compareWithPassingList(report, listed);
    if (gained.length > 0) {
      // not a failure: the list is extended by regenerating it (see its header)
      console.log(`note: ${gained.length} case(s) pass but are not in test/conformance/passing-cases.txt:\n  ${gained.join("\n  ")}`);
    }
    expect(lost, `cases of passing-cases.txt that no longer pass:\n${lost.join("\n")}`).toEqual([]);
  });

  it("covers the subset: hundreds of cases pass, in every file", () => {
    expect(report.files.length).toBeGreaterThanOrEqual(8);
    expect(report.passed).toBeGreaterThanOrEqual(280);
    for (const f of report.files) {
      expect(f.outcomes.some((o) => o.status === "passed"), f.name).toBe(true);
      // one policy per file, plus one to drop the rules the checker refused (bisection would add more)
      expect(f.compiles, f.name).toBeLessThanOrEqual(2);
    }
  });

  it("names a feature for every unsupported case, and the compiler refuses all it can be asked about", () => {
    const unsupported = report.files.flatMap((f) => f.outcomes.filter((o) => o.status === "unsupported"));
    expect(unsupported.length).toBeGreaterThan(0);
    for (const o of unsupported) expect(o.feature, `${o.case.section}/${o.case.name}`).toMatch(/\S/);
    // cases whose variables have types Writ lacks (uint, double, bytes, null) cannot be written as a policy
    const unchecked = unsupported.filter((o) => !o.note?.startsWith("refused by the compiler"));
    expect(unchecked.length).toBeLessThanOrEqual(10);
    for (const o of unchecked) expect(o.note).toBe("not checked against the compiler");
  });

  it("agrees with the figures docs/language.md gives for it", () => {
    // The prose is written by hand; this keeps it true when the subset or the corpus changes.
    const doc = readFileSync(join(import.meta.dirname, "..", "..", "docs", "language.md"), "utf8").replace(/\s+/g, " ");
    const figure = (pattern: RegExp): number => {
      const m = pattern.exec(doc);
      expect(m, `docs/language.md no longer says ${pattern}`).not.toBeNull();
      return Number(m![1]);
    };
    const outcomes = report.files.flatMap((f) => f.outcomes);
    const passed = outcomes.filter((o) => o.status === "passed");
    const unsupported = outcomes.filter((o) => o.status === "unsupported");
    const refused = unsupported.filter((o) => o.note?.startsWith("refused by the compiler"));
    expect({
      cases: figure(/reads all (\d+) of their cases/),
      passed: figure(/The (\d+) inside the subset/),
      expectingValue: figure(/expected value \((\d+) cases\)/),
      expectingError: figure(/or expected error \((\d+)\)/),
      unsupported: figure(/The (\d+) that need something outside the subset/),
      refused: figure(/(\d+) are only checked to be refused/),
      unchecked: figure(/and (\d+) are not checked at all/),
    }, "docs/language.md (received) against this run (expected)").toEqual({
      cases: report.cases,
      passed: report.passed,
      expectingValue: passed.filter((o) => "value" in o.case.expected).length,
      expectingError: passed.filter((o) => "error" in o.case.expected).length,
      unsupported: report.unsupported,
      refused: refused.length,
      unchecked: unsupported.length - refused.length,
    });
  });
});
