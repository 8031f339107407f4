// The conformance runner on files written for the purpose: outcomes (pass, fail with what was got,
// unsupported with the feature, rejected at check time), batching into one compile, bisection when a
// compile error points at no rule, and the CLI's report and exit status in a real process.

import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { celSpecTestdata } from "../support/cel-spec.js";
import { realBackends } from "../../compiler/conformance/backends.js";
import type { ConformanceCase } from "../../compiler/conformance/cases.js";
import {
  caseListEntry,
  compareWithPassingList,
  defaultConformanceDir,
  formatPassingList,
  formatReport,
  parseCaseList,
  runConformance,
  runConformanceFile,
  type Backends,
  type CaseOutcome,
  type ConformanceReport,
} from "../../compiler/conformance/runner.js";
import type { RuleError } from "../../runtime/decision.js";
import { tempDir } from "../support/temp-dir.js";

const dir = tempDir("conformance");

function test(name: string, expr: string, result: string, extra = ""): string {
  return `  test {\n    name: ${JSON.stringify(name)}\n    expr: ${JSON.stringify(expr)}\n${extra}    ${result}\n  }\n`;
}

const GOOD = `name: "good"
section {
  name: "s"
${test("sum", "1 + 2", "value: { int64_value: 3 }")}
${test("var", "x.size() + 1", "value: { int64_value: 3 }", `    type_env { name: "x" ident { type { list_type { elem_type { primitive: STRING } } } } }\n    bindings { key: "x" value { value { list_value { values { string_value: "a" } values { string_value: "é" } } } } }\n`)}
${test("same_name_other_type", "x + 'b'", "value: { string_value: \"ab\" }", `    bindings { key: "x" value { value { string_value: "a" } } }\n`)}
${test("div", "1 / 0 == 0", 'eval_error { errors { message: "division by zero" } }')}
${test("absorbed", "1 / 0 == 0 || true", "value: { bool_value: true }")}
${test("uint", "1u + 1u", "value: { uint64_value: 2 }")}
${test("long", "x.size() + y.size()", "value: { int64_value: 370 }", `    bindings { key: "x" value { value { string_value: "${"ab".repeat(150)}" } } }\n    bindings { key: "y" value { value { list_value { ${"values { int64_value: 1 } ".repeat(70)}} } } }\n`)}
${test("list", "[1, 2] + [3]", "value { list_value { values { int64_value: 1 } values { int64_value: 2 } values { int64_value: 3 } } }")}
${test("map", "{'k': [true]}", "value { map_value { entries { key { string_value: 'k' } value { list_value { values { bool_value: true } } } } } }")}
}
`;

const BAD = `name: "bad"
section {
  name: "s"
${test("wrong_value", "2 * 3", "value: { int64_value: 7 }")}
${test("no_error", "1 + 1 == 2", 'eval_error { errors { message: "expected an error" } }')}
${test("ok", "'a' < 'b'", "")}
${test("type_error", "1 + 'a' == 2", "value: { bool_value: true }")}
}
`;

writeFileSync(join(dir, "good.textproto"), GOOD);
writeFileSync(join(dir, "bad.textproto"), BAD);

let backends: Backends;
const getBackends = async () => (backends ??= await realBackends({ wasm: true }));

describe("the runner", () => {
  it("passes what CEL and both backends agree on, names unsupported features, in one compile", async () => {
    const r = await runConformanceFile(join(dir, "good.textproto"), await getBackends());
    expect(r.problems).toEqual([]);
    const by = Object.fromEntries(r.outcomes.map((o) => [o.case.name, o]));
    for (const n of ["sum", "var", "same_name_other_type", "div", "absorbed", "list", "map", "long"]) expect(by[n]!.status, n).toBe("passed");
    expect(by.uint).toMatchObject({ status: "unsupported", feature: "uint" });
    expect(by.uint!.note).toMatch(/^refused by the compiler: .*unsigned/);
    // one policy with every case (the unsupported rule is refused), then one without it
    expect(r.compiles).toBe(2);
  }, 60_000);

  it("reports what each backend got for a failure", async () => {
    const r = await runConformanceFile(join(dir, "bad.textproto"), await getBackends());
    const by = Object.fromEntries(r.outcomes.map((o) => [o.case.name, o]));
    expect(by.wrong_value!.status).toBe("failed");
    expect(by.wrong_value!.got).toContain("interpreter value 6");
    expect(by.wrong_value!.got).toContain("wasm: rule does not hold");
    expect(by.no_error!.got).toMatch(/interp: rule holds.*wasm: rule holds/);
    expect(by.ok!.status).toBe("passed"); // no result matcher: CEL expects `true`
    // a heterogeneous `+` is classified unsupported before it reaches the compiler, which refuses it
    expect(by.type_error).toMatchObject({ status: "unsupported", feature: "`int` + `string`" });
  }, 60_000);

  it("fails a case on which the two backends disagree, though each alone meets CEL's expectation", async () => {
    const real = await getBackends();
    // a module that gets every error, but reports it under another code, or at another site
    const skewed = (skew: (e: RuleError) => RuleError): Backends => ({
      ...real,
      loadWasm(bundle) {
        const m = real.loadWasm(bundle);
        return { decide: (req) => { const d = m.decide(req); return { ...d, errors: d.errors.map((e) => (e.rule === null ? e : skew(e))) }; } };
      },
    });
    for (const skew of [(e: RuleError): RuleError => ({ ...e, code: "overflow", message: "integer overflow" }), (e: RuleError): RuleError => ({ ...e, at: e.at + 1 })]) {
      const r = await runConformanceFile(join(dir, "good.textproto"), skewed(skew));
      const by = Object.fromEntries(r.outcomes.map((o) => [o.case.name, o]));
      expect(by.div!.status).toBe("failed");
      expect(by.div!.got).toMatch(/^backends disagree on c3: interp error division_by_zero at \d+ \(division by zero\), wasm error (overflow|division_by_zero) at \d+/);
      // the cases where no rule errors still pass
      for (const n of ["sum", "var", "absorbed", "list", "map", "long"]) expect(by[n]!.status, n).toBe("passed");
    }
  }, 60_000);

  it("counts a case that asks for a deduced type as unsupported, not passed and not a compiler failure", async () => {
    const path = join(dir, "types.textproto.txt");
    writeFileSync(
      path,
      `name: "types"\nsection {\n  name: "s"\n` +
        test("check_only_in_subset", "1 + 1", "typed_result { deduced_type { primitive: INT64 } }", "    check_only: true\n") +
        test("wrong_deduced_type", "1 + 2", "typed_result { result { int64_value: 3 } deduced_type { primitive: STRING } }") +
        // the matcher does not excuse the expression: uint is still the compiler's to refuse
        test("check_only_uint", "1u + 1u", "typed_result { deduced_type { primitive: UINT64 } }", "    check_only: true\n") +
        "}\n",
    );
    const r = await runConformanceFile(path, await getBackends(), { wasm: false });
    const by = Object.fromEntries(r.outcomes.map((o) => [o.case.name, o]));
    expect(by.check_only_in_subset).toMatchObject({ status: "unsupported", feature: "check_only (type deduction)" });
    expect(by.check_only_in_subset!.note).toMatch(/^the runner does not check this result matcher/);
    expect(by.wrong_deduced_type).toMatchObject({ status: "unsupported", feature: "typed_result.deduced_type (type deduction)" });
    // reported under the feature the compiler refused
    expect(by.check_only_uint).toMatchObject({ status: "unsupported", feature: "uint" });
    expect(by.check_only_uint!.note).toMatch(/^refused by the compiler: .*unsigned/);
  }, 60_000);

  it("bisects a batch whose compile error points at no rule", async () => {
    const real = await getBackends();
    // a compile failure without a span (as from the code generator) whenever case `div` is in the batch
    const failing: Backends = {
      ...real,
      async compile(source, fileName) {
        if (/when \(1 \/ 0 == 0\)$/m.test(source))
          return { diagnostics: [{ code: "W0900", severity: "error", message: "code generation failed", span: { start: 0, end: 0 } }] };
        return real.compile(source, fileName);
      },
    };
    const r = await runConformanceFile(join(dir, "good.textproto"), failing);
    const by = Object.fromEntries(r.outcomes.map((o) => [o.case.name, o]));
    expect(by.div).toMatchObject({ status: "failed", got: "policy did not compile: [W0900] code generation failed" });
    for (const n of ["sum", "var", "same_name_other_type", "absorbed", "list", "map", "long"]) expect(by[n]!.status, n).toBe("passed");
    expect(r.compiles).toBeGreaterThan(2);
  }, 60_000);

  it("turns a compiler that throws into a failure of the case that makes it throw", async () => {
    const real = await getBackends();
    const throwing: Backends = {
      ...real,
      async compile(source, fileName) {
        if (source.includes("[1, 2] + [3]")) throw new Error("internal compiler error\nstack...");
        return real.compile(source, fileName);
      },
    };
    const r = await runConformanceFile(join(dir, "good.textproto"), throwing, { wasm: false });
    const by = Object.fromEntries(r.outcomes.map((o) => [o.case.name, o]));
    expect(by.list).toMatchObject({ status: "failed", got: "policy did not compile: [crash] the compiler threw: internal compiler error" });
    expect(r.outcomes.filter((o) => o.status === "passed")).toHaveLength(7);
  }, 60_000);

  it("totals a directory and formats the report", async () => {
    const report = await runConformance(dir, await getBackends());
    expect(report.files.map((f) => f.name)).toEqual(["bad", "good"]);
    expect(report).toMatchObject({ cases: 13, passed: 9, unsupported: 2, failed: 2, wasm: true });
    const text = formatReport(report);
    expect(text).toContain("bad: 1 passed, 1 unsupported, 2 failed");
    expect(text).toContain("good: 8 passed, 1 unsupported, 0 failed");
    expect(text).toContain("  FAIL s/wrong_value (line 4)\n       expr:     2 * 3\n       expected: 7\n       got:      ");
    expect(text).toContain("  unsupported s/uint: uint (refused by the compiler: [");
    expect(text).toMatch(/\n\nunsupported features:\n {5}1 {2}`int` \+ `string`\n {5}1 {2}uint\n/);
    expect(text.trimEnd().split("\n").pop()).toBe("total: 9 passed, 2 unsupported, 2 failed");
  }, 60_000);

  it("lists the passing cases, and names each listed case that no longer passes", async () => {
    const report = await runConformance(join(dir, "good.textproto"), await getBackends(), { wasm: false });
    const list = formatPassingList(report);
    expect(list).toMatch(/^# /);
    const ids = parseCaseList(list);
    expect(ids).toEqual(["sum", "var", "same_name_other_type", "div", "absorbed", "long", "list", "map"].map((n) => `good/s/${n}`));
    expect(compareWithPassingList(report, ids)).toEqual({ lost: [], gained: [] });
    // a listed pass that turned unsupported, or vanished, fails; a pass the list lacks is only new
    const { lost, gained } = compareWithPassingList(report, [...ids.slice(1), "good/s/uint", "good/s/gone"]);
    expect(lost).toEqual(["good/s/uint: unsupported (uint)", "good/s/gone: not found"]);
    expect(gained).toEqual(["good/s/sum"]);
  }, 60_000);

  it("never throws on a malformed file: its problems count as failures", async () => {
    const path = join(dir, "broken.textproto.txt");
    writeFileSync(path, 'name: "broken"\nsection { test { name: "x" expr: "1" value { int64_value: } } }\n');
    const r = await runConformanceFile(path, await getBackends());
    expect(r.problems).toEqual([{ line: 2, message: "expected a value, found `}`" }]);
  });

  it("fails a test it cannot read in full, never dropping it or guessing what it meant", async () => {
    const path = join(dir, "malformed.textproto.txt");
    writeFileSync(
      path,
      `name: "malformed"\nsection {\n  name: "s"\n` +
        test("kept", "1 + 1", "value: { int64_value: 2 }") +
        test("no_result", "1 + 1 == 3", "typed_result { deduced_type { primitive: BOOL } }") +
        test("scalar_element", "[1, 2] == [1, 3]", "value: { list_value { values: 1 } }") +
        // misspelt: read as no matcher at all, this would expect `true`, and pass
        test("misspelt_matcher", "1 / 0 == 0 || true", 'eval_eror { errors { message: "division by zero" } }') +
        // misspelt in a type: read as a list of dyn, this would be unsupported; read as int, it would pass
        test("misspelt_elem_type", "size(x) == 2", "", '    type_env { name: "x" ident { type { list_type { elem_typ { primitive: INT64 } } } } }\n    bindings { key: "x" value { value { list_value { values { int64_value: 1 } values { int64_value: 2 } } } } }\n') +
        test("misspelt_type_first", "x == 1", "", '    type_env { name: "x" ident { type { primitve: STRING primitive: INT64 } } }\n    bindings { key: "x" value { value { int64_value: 1 } } }\n') +
        // given twice, or two members of the result_matcher oneof: taken last-wins, each would pass
        test("expr_twice", "1 == 2", 'expr: "1 == 1"') +
        test("two_matchers", "1 / 0", 'value { int64_value: 5 }\n    eval_error { errors { message: "divide by zero" } }') +
        "}\n",
    );
    const r = await runConformanceFile(path, await getBackends(), { wasm: false });
    expect(r.problems).toEqual([]);
    expect(r.outcomes.map((o) => [o.case.name, o.status])).toEqual([
      ["kept", "passed"],
      ["no_result", "failed"],
      ["scalar_element", "failed"],
      ["misspelt_matcher", "failed"],
      ["misspelt_elem_type", "failed"],
      ["misspelt_type_first", "failed"],
      ["expr_twice", "failed"],
      ["two_matchers", "failed"],
    ]);
    expect(r.outcomes.slice(3).map((o) => o.got)).toEqual([
      "malformed test: line 22: unknown field `eval_eror` in SimpleTest",
      "malformed test: line 27: unknown field `elem_typ` in ListType",
      "malformed test: line 34: unknown field `primitve` in Type",
      "malformed test: line 41: field `expr` of SimpleTest is given again (first on line 40); it is not repeated",
      "malformed test: line 47: field `eval_error` of SimpleTest is given along with `value` (line 46), another member of oneof `result_matcher`",
    ]);
    const report = await runConformance(path, await getBackends(), { wasm: false });
    expect(report).toMatchObject({ passed: 1, unsupported: 0, failed: 7 });
  }, 60_000);
});

describe("the list of passing cases", () => {
  const kase = (file: string, section: string, name: string, expr = "1 == 1") => ({ file, section, name, expr }) as unknown as ConformanceCase;
  const passed = (c: ConformanceCase): CaseOutcome => ({ case: c, status: "passed" });
  const report = (...files: CaseOutcome[][]): ConformanceReport => ({
    files: files.map((outcomes, i) => ({ path: `f${i}`, name: `f${i}`, outcomes, problems: [], compiles: 1, millis: 0 })),
    cases: files.flat().length,
    wasm: true,
    passed: files.flat().filter((o) => o.status === "passed").length,
    unsupported: files.flat().filter((o) => o.status === "unsupported").length,
    failed: files.flat().filter((o) => o.status === "failed").length,
  });

  it("tells apart cases that share file/section/name: each is followed on its own", () => {
    const [a, b] = [kase("f", "s", "t", "1 == 1"), kase("f", "s", "t", "2 == 2")];
    const before = report([passed(a), passed(b)]);
    const listed = parseCaseList(formatPassingList(before));
    expect(listed).toEqual(["f/s/t", "f/s/t #2"]);
    expect(compareWithPassingList(before, listed)).toEqual({ lost: [], gained: [] });
    // either one turning unsupported is a lost case, though the other still passes under the same id
    expect(compareWithPassingList(report([{ case: a, status: "unsupported", feature: "x" }, passed(b)]), listed).lost).toEqual(["f/s/t: unsupported (x)"]);
    expect(compareWithPassingList(report([passed(a), { case: b, status: "failed", got: "3" }]), listed).lost).toEqual(["f/s/t #2: failed: 3"]);
    expect(compareWithPassingList(report([passed(a)]), listed).lost).toEqual(["f/s/t #2: not found"]);
    // a pass of one does not stand in for the other: the first lost, the second gained
    const swapped = compareWithPassingList(report([{ case: a, status: "unsupported", feature: "x" }, passed(b)]), ["f/s/t"]);
    expect(swapped).toEqual({ lost: ["f/s/t: unsupported (x)"], gained: ["f/s/t #2"] });
    // occurrences are counted over the whole run (two files may have one `name:`), in order
    const acrossFiles = report([passed(kase("f", "s", "t"))], [passed(kase("g", "s", "t")), passed(kase("f", "s", "t"))]);
    expect(parseCaseList(formatPassingList(acrossFiles))).toEqual(["f/s/t", "g/s/t", "f/s/t #2"]);
    // an entry listed twice no longer counts for two cases
    expect(compareWithPassingList(before, ["f/s/t", "f/s/t"]).lost).toEqual(["f/s/t: listed more than once"]);
  });

  it("writes every id so that it reads back exactly, a name with spaces or a line break included", () => {
    const names = ["padded ", " lead", "two\nlines", "tab\t", "t #2", "#hash", '"quoted"', "nbsp\u00a0", "ls\u2028x", "plain é 😀", "t#2"];
    const cases = names.map((n) => kase("f", "s", n));
    const r = report(cases.map(passed));
    const list = formatPassingList(r);
    const listed = parseCaseList(list);
    // the run's own list finds every case of the run
    expect(compareWithPassingList(r, listed)).toEqual({ lost: [], gained: [] });
    expect(listed).toEqual(names.map((n) => caseListEntry(`f/s/${n}`)));
    expect(caseListEntry(" f/s/t", 2)).toBe('" f/s/t" #2');
    // one entry a line, whatever the name holds
    expect(list.split("\n").filter((l) => l !== "" && !l.startsWith("#"))).toHaveLength(names.length);
    expect(listed.slice(0, 5)).toEqual(['"f/s/padded "', "f/s/ lead", '"f/s/two\\nlines"', '"f/s/tab\\t"', '"f/s/t #2"']);
    expect(listed.slice(-2)).toEqual(["f/s/plain é 😀", "f/s/t#2"]);
    // a case named `t #2` is not the second case named `t`
    const both = report([passed(kase("f", "s", "t")), passed(kase("f", "s", "t")), passed(kase("f", "s", "t #2"))]);
    expect(parseCaseList(formatPassingList(both))).toEqual(["f/s/t", "f/s/t #2", '"f/s/t #2"']);
    expect(compareWithPassingList(both, ["f/s/t", '"f/s/t #2"']).gained).toEqual(["f/s/t #2"]);
    // the trimmed name is another case: the padded one is not taken for it
    expect(compareWithPassingList(report([passed(kase("f", "s", "padded"))]), listed.slice(0, 1)).lost).toEqual(['"f/s/padded ": not found']);
  });

  it("reads entries written by hand in their equivalent forms, and keeps an unreadable one to report it", () => {
    expect(parseCaseList('"f/s/t"\r\nf/s/t #1\n  # a comment\n\n"f/s/t" #3\n"f/s/x\nf/s/t #0\n')).toEqual([
      "f/s/t", "f/s/t", "f/s/t #3", '"f/s/x', '"f/s/t #0"',
    ]);
    expect(compareWithPassingList(report([passed(kase("f", "s", "x"))]), parseCaseList('"f/s/x\n')).lost).toEqual(['"f/s/x: not found']);
  });

  it("reads the committed list as it is: ids written as they were, none twice", () => {
    const text = readFileSync(join(import.meta.dirname, "passing-cases.txt"), "utf8");
    const lines = text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
    expect(parseCaseList(text)).toEqual(lines);
    expect(new Set(lines).size).toBe(lines.length);
  });
});

describe("the default directory", () => {
  it("is ../shared/cel-spec/testdata beside the package when it is there, else the bundled copy", () => {
    const root = join(mkdtempSync(join(dir, "root-")), "writ");
    expect(defaultConformanceDir(root)).toEqual({ path: join(root, "test/cel-spec/testdata"), bundled: true });
    mkdirSync(join(root, "../shared/cel-spec/testdata"), { recursive: true });
    expect(defaultConformanceDir(root)).toEqual({ path: join(root, "../shared/cel-spec/testdata"), bundled: false });
  });
});

describe("the CLI", () => {
  const run = promisify(execFile);
  const cli = join(import.meta.dirname, "../../compiler/conformance/cli.ts");
  const tsx = join(import.meta.dirname, "../../node_modules/.bin/tsx");

  it("exits 0 when nothing failed and 1 when something did, printing the report", async () => {
    const ok = await run(tsx, [cli, join(dir, "good.textproto"), "--interp-only"]);
    expect(ok.stdout).toContain("good: 8 passed, 1 unsupported, 0 failed");
    expect(ok.stdout.trimEnd().split("\n").pop()).toBe("total: 8 passed, 1 unsupported, 0 failed (interpreter only: --interp-only skipped the WASM module)");
    const bad = await run(tsx, [cli, join(dir, "bad.textproto"), "--interp-only"]).catch((e: { code: number; stdout: string }) => e);
    expect("code" in bad && bad.code).toBe(1);
    expect(bad.stdout).toContain("FAIL s/no_error");
  }, 60_000);

  it("runs the default directory (as the tests find it) without a path, and says which it ran", async () => {
    const r = await run(tsx, [cli, "--interp-only", "--quiet"]);
    const first = r.stdout.split("\n")[0]!;
    expect(first.startsWith(`conformance files: ${join(celSpecTestdata())}`.replace(/\/$/, ""))).toBe(true);
    expect(first.includes("the bundled copy")).toBe(celSpecTestdata().includes("test/cel-spec"));
    expect(r.stdout).toMatch(/total: \d+ passed/);
  }, 60_000);

  it("exits 2 for a path that does not exist or a bad flag", async () => {
    const missing = await run(tsx, [cli, join(dir, "nope")]).catch((e: { code: number; stderr: string }) => e);
    expect("code" in missing && missing.code).toBe(2);
    expect(missing.stderr).toContain("does not exist");
    const flag = await run(tsx, [cli, "--frobnicate"]).catch((e: { code: number; stderr: string }) => e);
    expect("code" in flag && flag.code).toBe(2);
  }, 60_000);

  it("prints the passing cases with --list-passing (the report going to stderr), with both backends only", async () => {
    const listed = await run(tsx, [cli, join(dir, "good.textproto"), "--list-passing"]);
    expect(parseCaseList(listed.stdout)).toHaveLength(8);
    // with both backends, the total says nothing more
    expect(listed.stderr.trimEnd().split("\n").pop()).toBe("total: 8 passed, 1 unsupported, 0 failed");
    const interp = await run(tsx, [cli, join(dir, "good.textproto"), "--list-passing", "--interp-only"]).catch((e: { code: number; stderr: string }) => e);
    expect("code" in interp && interp.code).toBe(2);
    expect(interp.stderr).toContain("--list-passing needs both backends");
  }, 60_000);

  it("exits 2 when it finds no case at all: an empty directory, or a file whose tests are misspelt", async () => {
    const empty = mkdtempSync(join(dir, "empty-"));
    const none = await run(tsx, [cli, empty, "--interp-only"]).catch((e: { code: number; stderr: string }) => e);
    expect("code" in none && none.code).toBe(2);
    expect(none.stderr).toContain(`conformance: no test cases found in \`${empty}\` (0 .textproto files)`);
    const path = join(dir, "misspelt.textproto.txt");
    writeFileSync(path, 'name: "x"\nsection { name: "s" tset { name: "t" expr: "1 == 2" } }\n');
    const misspelt = await run(tsx, [cli, path, "--interp-only"]).catch((e: { code: number; stdout: string; stderr: string }) => e);
    expect("code" in misspelt && misspelt.code).toBe(2);
    expect(misspelt.stdout).toContain("FAIL " + path + ":2: unknown field `tset` in SimpleTestSection");
    expect(misspelt.stderr).toContain("no test cases found");
  }, 60_000);
});
