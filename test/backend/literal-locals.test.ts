// A list or map literal whose elements are computed from the request is written element by element
// into its scratch block, the elements sharing their locals: a literal of 9,000 elements, each bound
// to locals of its own, made binaryen's optimiser take six minutes and 4.5 GB before it crashed, and
// unoptimised such a rule took more stack than the profile allows (W0903, an internal error, for a
// valid policy). A rule whose function would still have too many locals (one per bool field read,
// say) is refused at the rule (W0507), with the count the module would have.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { planModule } from "../../compiler/backend/plan.js";
import { INLINED_LOCALS, localsOf, MAX_RULE_LOCALS } from "../../compiler/backend/locals.js";
import { compilePolicy } from "../../compiler/driver.js";
import { createInterpreter } from "../../compiler/ir/interp.js";
import { readModule } from "../../runtime/wasm/reader.js";
import { loadPolicy } from "../../runtime/policy.js";
import { validateProfile } from "../../runtime/wasm/profile.js";
import { plain } from "./support.js";

const INPUT = "input { c: { a: int, b: bool, s: string(8), xs: list<int>(4), rs: list<{ s: string(4), t: bool }>(3) } }";
const policy = (rules: string) => `policy "p" version "1.0.0"\n${INPUT}\n${rules}\n`;
const many = (n: number, element: (i: number) => string) => Array.from({ length: n }, (_, i) => element(i)).join(", ");

/** The most locals any function of the module of type `() -> ()` has: a rule's, not a helper's. */
function ruleLocals(wasm: Uint8Array): number {
  const read = readModule(wasm);
  if (!read.ok) throw new Error(read.reason);
  const { module } = read;
  const counts = module.code.flatMap((body, i) => {
    const type = module.types[module.functions[i]!]!;
    return type.params.length === 0 && type.results.length === 0 ? [body.locals.reduce((n, l) => n + l.count, 0)] : [];
  });
  return Math.max(...counts);
}

const REQUESTS = [
  { c: { a: 0, b: true, s: "ab", xs: [1, 2, 5], rs: [{ s: "a3", t: false }] } },
  { c: { a: 3, b: false, s: "", xs: [], rs: [] } },
  { c: { a: 7, b: true, s: "x", xs: [9, 12, 5, 2], rs: [{ s: "a1", t: true }, { s: "zz", t: false }] } },
  { c: { a: -9223372036854775807n, b: false, s: "q", xs: [1], rs: [] } },
];

describe("a literal computed from the request", () => {
  const rules = (n: number) =>
    [
      `permit list when 12 in [${many(n, (i) => `c.a + ${i}`)}]`,
      `permit nested when [${many(n, (i) => `[c.a * ${i}, c.xs.exists(x, x == c.a + ${i}) ? 1 : 0]`)}][5][1] == 1`,
      `permit map when {${many(n, (i) => `"k${i}": c.a - ${i}`)}}["k4"] == 3`,
      // the elements are evaluated in the order written: the first error is the first element's
      `permit errs when [${many(n, (i) => `100 / (c.a - ${(i % 5) + 3})`)}][0] == -33`,
      `permit strs when size({${many(n, (i) => `"${String.fromCharCode(122 - (i % 26))}${i}": c.s + "${i}"`)}}["z0"]) == 3`,
    ].join("\n");

  it("has as many locals in its rule's function for 600 elements as for 60, unoptimised, and decides as the interpreter does", async () => {
    const locals: number[] = [];
    for (const n of [60, 600]) {
      const r = await compilePolicy(policy(rules(n)), { optimize: false });
      expect(r.diagnostics).toEqual([]);
      const module = r.bundle!.module;
      locals.push(ruleLocals(module));
      const policy_ = loadPolicy(r.bundle!, { allowUnsigned: true });
      const interp = createInterpreter(r.ir!, r.bundle!.manifest.errorSites);
      const decisions = REQUESTS.map((q) => plain(policy_.decide(q)));
      expect(decisions).toEqual(REQUESTS.map((q) => plain(interp.decide(q))));
      // each rule decides something on some request, not only errors
      const fired = new Set(decisions.flatMap((d) => [...(d as { rules: string[] }).rules, ...(d as { errors: { rule: string }[] }).errors.map((e) => e.rule)]));
      expect([...fired].sort()).toEqual(["errs", "list", "map", "nested", "strs"]);
    }
    expect(locals[1]).toBe(locals[0]);
    expect(locals[0]).toBeLessThan(60);
  }, 120_000);

  it("of 10,000 elements compiles unoptimised within the profile's stack", async () => {
    const r = await compilePolicy(policy(`permit p when 5 in [${many(10_000, (i) => `c.a + ${i}`)}]`), { optimize: false });
    expect(r.diagnostics).toEqual([]);
    const profile = validateProfile(r.bundle!.module);
    expect(profile.ok && profile.info.stackBytes).toBeLessThan(1024);
  }, 120_000);
});

describe("a rule too large for one function", () => {
  const reads = (n: number) => policy(`permit small when c.a > 1\npermit big when size([${many(n, () => "c.b")}]) == 2`);

  it(`is refused at the rule (W0507) past ${MAX_RULE_LOCALS.toLocaleString("en-US")} locals, by writ check's stages too`, async () => {
    const text = reads(MAX_RULE_LOCALS);
    const r = await compilePolicy(text, { stopAfter: "plan" });
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["W0507", `rule \`big\` is too large for one function of the module: it needs ${(MAX_RULE_LOCALS + 2).toLocaleString("en-US")} locals (about one for each value it computes or field it reads), more than the ${MAX_RULE_LOCALS.toLocaleString("en-US")} a rule may have`],
    ]);
    expect(text.slice(r.diagnostics[0]!.span.start, r.diagnostics[0]!.span.end)).toMatch(/^permit big when size\(\[c\.b, /);
    const within = await compilePolicy(reads(MAX_RULE_LOCALS - 2), { stopAfter: "plan" });
    expect(within.diagnostics).toEqual([]);
  }, 60_000);

  it("counts the locals of every inlined support function", () => {
    // @inline functions of assembly/writ.ts: asc gives a caller their parameters and locals
    const library = readFileSync(new URL("../../assembly/writ.ts", import.meta.url), "utf8");
    const inlined: Record<string, number> = {};
    for (const m of library.matchAll(/^@inline export function (\w+)\(([^)]*)\)[^{]*\{\n([\s\S]*?)\n\}$/gm)) {
      const params = m[2]!.split(",").filter((p) => p.trim() !== "").length;
      inlined[m[1]!] = params + (m[3]!.match(/^\s*(?:const|let) /gm) ?? []).length;
    }
    expect(inlined).toEqual(INLINED_LOCALS);
  });

  it("is measured by the locals its function has, unoptimised", async () => {
    // each shape alone in a rule: what the planner counts is what asc gives the rule's function
    const shapes = [
      `size([${many(40, () => "c.b")}]) == 2`,
      `true in [${many(20, (i) => `c.xs.exists(x, x == c.a + ${i}) && c.b`)}]`,
      `size([${many(20, (i) => `c.rs.exists(r, r.s == "a${i}" || r.t)`)}]) == 2`,
      many(30, (i) => `c.a == ${i} || c.b`).replace(/, /g, " || "),
      `[${many(10, (i) => `c.a > ${i} ? c.a / (c.a - ${i}) : c.a`)}][3] == 1 && {${many(10, (i) => `"k${i}": [c.s, c.s + "${i}"]`)}}["k1"][1] == "x"`,
    ];
    for (const shape of shapes) {
      const text = policy(`permit p when ${shape}`);
      const r = await compilePolicy(text, { optimize: false });
      expect(r.diagnostics).toEqual([]);
      const source = planModule(r.ir!).generated!.source;
      const from = source.indexOf("function r_0(): void {\n");
      const body = source.slice(from, source.indexOf("\n}\n", from)).split("\n").slice(1);
      expect(localsOf(body, "")).toBe(ruleLocals(r.bundle!.module));
    }
  }, 120_000);
});
