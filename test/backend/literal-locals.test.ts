// A list or map literal whose elements are computed from the request is written element by element
// into its scratch block, the elements sharing their locals: a literal of 9,000 elements, each bound
// to locals of its own, made binaryen's optimiser take six minutes and 4.5 GB before it crashed, and
// unoptimised such a rule took more stack than the profile allows (W0903, an internal error, for a
// valid policy). Sharing locals left the code growing with the literal in one function, over which
// the optimiser ran out of memory (W0901) for 8,000 macros: elements, and any node whose code is
// large, are now moved into functions of their own (compiler/backend/outline.ts), so no function
// grows with a rule. A rule whose calls would still take too many locals (one per `||` in a long
// chain, say) is refused at the rule (W0507), with the count the module would have.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { planModule } from "../../compiler/backend/plan.js";
import { INLINED_LOCALS, localsOf, MAX_RULE_LOCALS } from "../../compiler/backend/locals.js";
import { MAX_RULE_STATEMENTS } from "../../compiler/backend/rule-size.js";
import type { Diagnostic } from "../../compiler/diagnostics.js";
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

/** The parameters and locals of the function of `module` with the most, and the largest function's code, in bytes. */
function largestFunctions(wasm: Uint8Array): { locals: number; bytes: number } {
  const read = readModule(wasm);
  if (!read.ok) throw new Error(read.reason);
  const { module } = read;
  let [locals, bytes] = [0, 0];
  module.code.forEach((body, i) => {
    const params = module.types[module.functions[i]!]!.params.length;
    locals = Math.max(locals, params + body.locals.reduce((n, l) => n + l.count, 0));
    bytes = Math.max(bytes, body.codeEnd - body.codeStart);
  });
  return { locals, bytes };
}

/** `items` joined by `op` in a balanced tree: a chain as long would be nested deeper than a rule may be (W0104). */
function balanced(items: readonly string[], op: string): string {
  if (items.length === 1) return items[0]!;
  const half = items.length >> 1;
  return `(${balanced(items.slice(0, half), op)} ${op} ${balanced(items.slice(half), op)})`;
}

describe("a literal computed from the request", () => {
  const rules = (n: number) =>
    [
      `permit list when 12 in [${many(n, (i) => `c.a + ${i}`)}]`,
      `permit nested when [${many(n, (i) => `[c.a * ${i}, c.xs.exists(x, x == c.a + ${i}) ? 1 : 0]`)}][5][1] == 1`,
      `permit map when {${many(n, (i) => `"k${i}": c.a - ${i}`)}}["k4"] == 3`,
      // the elements are evaluated in the order written: the first error is the first element's
      `permit errs when [${many(n, (i) => `100 / (c.a - ${(i % 5) + 3})`)}][0] == -33`,
      `permit strs when size({${many(n, (i) => `"${String.fromCharCode(122 - (i % 26))}${i}": c.s + "${i}"`)}}["z0"]) == 3`,
      // long `&&` in the elements, and a long `||` of macros outside any literal
      `permit ands when [${many(n, (i) => `c.b && c.xs.all(x, x != ${i}) && c.rs.exists(r, r.t && r.s == "a${i % 4}")`)}][1]`,
      `permit ors when ${balanced(Array.from({ length: n }, (_, i) => `c.xs.exists(x, x * 2 == c.a + ${i})`), "||")}`,
    ].join("\n");

  it("grows no function of the module with it, unoptimised, and decides as the interpreter does", async () => {
    const largest: { locals: number; bytes: number }[] = [];
    const sizes: number[] = [];
    for (const n of [40, 320]) {
      const r = await compilePolicy(policy(rules(n)), { optimize: false });
      expect(r.diagnostics).toEqual([]);
      const module = r.bundle!.module;
      largest.push(largestFunctions(module));
      sizes.push(module.length);
      const policy_ = loadPolicy(r.bundle!, { allowUnsigned: true });
      const interp = createInterpreter(r.ir!, r.bundle!.manifest.errorSites);
      const decisions = REQUESTS.map((q) => plain(policy_.decide(q)));
      expect(decisions).toEqual(REQUESTS.map((q) => plain(interp.decide(q))));
      // each rule decides something on some request, not only errors
      const fired = new Set(decisions.flatMap((d) => [...(d as { rules: string[] }).rules, ...(d as { errors: { rule: string }[] }).errors.map((e) => e.rule)]));
      expect([...fired].sort()).toEqual(["ands", "errs", "list", "map", "nested", "ors", "strs"]);
    }
    // eight times the elements: the module grows about as much, its largest function not at all
    expect(sizes[1]).toBeGreaterThan(4 * sizes[0]!);
    expect(largest[1]!.locals).toBeLessThanOrEqual(largest[0]!.locals);
    expect(largest[1]!.bytes).toBeLessThanOrEqual(largest[0]!.bytes * 1.25);
  }, 240_000);

  it("cut into functions inside a macro, passes them the macro's variables, and decides as the interpreter does", async () => {
    const text = policy(
      [
        `permit inner when c.xs.exists(x, [${many(120, (i) => `x + ${i}`)}][3] == 8)`,
        `permit deeper when c.rs.exists(r, c.xs.all(x, ${balanced(Array.from({ length: 60 }, (_, i) => `(x > ${i} && r.s != "a${i}")`), "||")}))`,
        // literals in the elements of a literal, which share its locals, each cut too
        `permit shared when [${many(30, (i) => `c.xs.exists(x, [${many(60, (j) => `x * ${j} + ${i}`)}][${i % 60}] > 40)`)}].exists(b, b)`,
      ].join("\n"),
    );
    const r = await compilePolicy(text, { optimize: false });
    expect(r.diagnostics).toEqual([]);
    const source = planModule(r.ir!).generated!.source;
    // elements stored by functions given the literal's address and the macro's element
    expect(source).toMatch(/\nfunction elems_\d+\(t_\d+: usize, v_\d+: i64\): void \{\n/);
    // a part of a macro's body made a function given both macros' elements
    expect(source).toMatch(/\nfunction expr_\d+\((?:[tv]_\d+: (?:i64|usize), ){1}[tv]_\d+: (?:i64|usize)\): bool \{\n/);
    const policy_ = loadPolicy(r.bundle!, { allowUnsigned: true });
    const interp = createInterpreter(r.ir!, r.bundle!.manifest.errorSites);
    const decisions = REQUESTS.map((q) => plain(policy_.decide(q)));
    expect(decisions).toEqual(REQUESTS.map((q) => plain(interp.decide(q))));
    expect(new Set(decisions.flatMap((d) => (d as { rules: string[] }).rules))).toEqual(new Set(["inner", "deeper", "shared"]));
  }, 120_000);

  it("of 6,000 elements compiles unoptimised within the profile's stack", async () => {
    const r = await compilePolicy(policy(`permit p when 5 in [${many(6_000, (i) => `c.a + ${i}`)}]`), { optimize: false });
    expect(r.diagnostics).toEqual([]);
    const profile = validateProfile(r.bundle!.module);
    expect(profile.ok && profile.info.stackBytes).toBeLessThan(2048);
  }, 120_000);

  it("of 1,700 macros, and a map of 1,500, compile optimised and decide as the interpreter does", async () => {
    // one function of 1,500 macros took binaryen 9 s of CPU and 0.5 GB to optimise, of 8,000 twelve
    // minutes and 4.5 GB before it failed (W0901); a map of 3,000, 42 s and 1.3 GB
    const text = policy(
      [
        `permit list when [${many(1_700, (i) => `c.xs.exists(x, x > ${i % 7})`)}].exists(b, b) && c.a > 2`,
        `permit map when {${many(1_500, (i) => `"k${i}": c.xs.exists(x, x > ${i % 3})`)}}["k7"]`,
      ].join("\n"),
    );
    const r = await compilePolicy(text);
    expect(r.diagnostics).toEqual([]);
    expect(largestFunctions(r.bundle!.module).bytes).toBeLessThan(8192);
    const policy_ = loadPolicy(r.bundle!, { allowUnsigned: true });
    const interp = createInterpreter(r.ir!, r.bundle!.manifest.errorSites);
    const decisions = REQUESTS.map((q) => plain(policy_.decide(q)));
    expect(decisions).toEqual(REQUESTS.map((q) => plain(interp.decide(q))));
    expect(new Set(decisions.flatMap((d) => (d as { rules: string[] }).rules))).toEqual(new Set(["list", "map"]));
  }, 240_000);
});

describe("a rule too large", () => {
  const reads = (n: number) => `size([${many(n, () => "c.b")}]) == 2`;
  const chain = (n: number) => many(n, () => "c.ob").replace(/, /g, " || ");
  const withOptional = (rules: string) => `policy "p" version "1.0.0"\n${INPUT.replace("b: bool,", "b: bool, ob?: bool,")}\n${rules}\n`;

  it(`is refused at the rule (W0508) past ${MAX_RULE_STATEMENTS.toLocaleString("en-US")} statements of code, each such rule, by writ check's stages too`, async () => {
    const text = policy(`permit small when c.a > 1\npermit big when ${reads(6_000)}\nforbid bigger when ${reads(8_000)}`);
    const r = await compilePolicy(text, { stopAfter: "plan" });
    expect(r.diagnostics.map((d) => d.code)).toEqual(["W0508", "W0508"]);
    const [big, bigger] = r.diagnostics as [Diagnostic, Diagnostic];
    expect(big.message).toMatch(
      new RegExp(`^rule \`big\` is too large to compile: its code in the module would be 2[0-9],[0-9]{3} statements \\(about one for each field it reads or value it computes, a dozen for each macro, twenty for each \`&&\` or \`\\|\\|\` whose sides can fail\\), more than the ${MAX_RULE_STATEMENTS.toLocaleString("en-US")} a rule may have$`),
    );
    expect(bigger.message).toMatch(/^rule `bigger` is too large to compile: its code in the module would be 3\d,\d{3} statements /);
    expect(text.slice(big.span.start, big.span.end)).toMatch(/^permit big when size\(\[c\.b, /);
    expect(text.slice(bigger.span.start, bigger.span.end)).toMatch(/^forbid bigger when size\(\[c\.b, /);
    const within = await compilePolicy(policy(`permit big when ${reads(4_500)}`), { stopAfter: "plan" });
    expect(within.diagnostics).toEqual([]);
  }, 60_000);

  it(`is refused at the rule (W0507) when its deepest calls would have more than ${MAX_RULE_LOCALS.toLocaleString("en-US")} locals`, async () => {
    // each `||` of a chain holds its left side's result and error: a long chain nests as deep,
    // whatever functions its code is cut into
    const text = withOptional(`permit small when c.a > 1\npermit big when ${chain(490)}`);
    const r = await compilePolicy(text, { stopAfter: "plan" });
    expect(r.diagnostics.map((d) => d.code)).toEqual(["W0507"]);
    const [d] = r.diagnostics as [Diagnostic];
    const locals = Number(/needs ([\d,]+) locals/.exec(d.message)![1]!.replace(/,/g, ""));
    expect(locals).toBeGreaterThan(MAX_RULE_LOCALS);
    expect(d.message).toBe(
      `rule \`big\` is too large for the module's stack: it needs ${locals.toLocaleString("en-US")} locals (about one for each value it computes or field it reads, counted along its deepest nesting), more than the ${MAX_RULE_LOCALS.toLocaleString("en-US")} a rule may have`,
    );
    expect(text.slice(d.span.start, d.span.end)).toMatch(/^permit big when c\.ob \|\| c\.ob/);
    const within = await compilePolicy(withOptional(`permit big when ${chain(400)}`), { stopAfter: "plan" });
    expect(within.diagnostics).toEqual([]);
  }, 60_000);

  it(`is not refused for the bool fields a literal reads (${MAX_RULE_LOCALS.toLocaleString("en-US")} of them, a local each): their stores are cut into functions`, async () => {
    const r = await compilePolicy(policy(`permit big when ${reads(MAX_RULE_LOCALS)}`), { optimize: false });
    expect(r.diagnostics).toEqual([]);
    expect(largestFunctions(r.bundle!.module).locals).toBeLessThan(600);
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
