// The determinism profile refuses a module whose longest chain of calls is more than MAX_CALL_DEPTH
// functions deep. A rule whose code nests large parts one in another (each operand of a long `&&`
// chain more than 256 IR nodes) is a function for each part, each calling the next: such a rule
// passed `writ check`, and `writ compile` failed after asc with W0903, a compiler fault naming no
// rule. The planner now finds the module's call depth on the source it writes
// (compiler/backend/call-depth.ts) and refuses such a rule at the rule (W0507), by `writ check` too.

import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { callDepths, SUPPORT_CALL_DEPTHS } from "../../compiler/backend/call-depth.js";
import { planModule } from "../../compiler/backend/plan.js";
import type { Diagnostic } from "../../compiler/diagnostics.js";
import { compilePolicy } from "../../compiler/driver.js";
import { MAX_CALL_DEPTH } from "../../runtime/wasm/call-graph.js";
import { validateProfile } from "../../runtime/wasm/profile.js";

const INPUT = (extra = "") => `input { c: { xs: list<int>(4)${extra} } }`;
const policy = (input: string, rules: string) => `policy "p" version "1.0.0"\n${input}\n${rules}\n`;
/** `(x == k00 || ... || x == k63)`: 255 IR nodes, just under what is cut into a function of its own */
const operand = (k: number) => `(${Array.from({ length: 64 }, (_, i) => `x == ${k * 100 + i}`).join(" || ")})`;
const operands = (n: number) => Array.from({ length: n }, (_, k) => operand(k));
/** one rule, `c.xs.exists(x, B0 && B1 && ...)`: each `&&` a function calling the one before */
const chain = (n: number, first = "") => policy(INPUT(first ? `, d: ${first}, e: ${first}` : ""), `permit p when c.xs.exists(x, ${first ? "(c.d == c.e) && " : ""}${operands(n).join(" && ")})`);
/** `list<list<...<int>(1)>(1)` nested `depth` levels */
const nested = (depth: number) => Array.from({ length: depth }).reduce<string>((t) => `list<${t}>(1)`, "int");

async function plan(text: string): Promise<{ diagnostics: Diagnostic[]; callDepth?: number }> {
  const checked = await compilePolicy(text, { stopAfter: "check" });
  expect(checked.diagnostics).toEqual([]);
  const planned = planModule(checked.ir!);
  return { diagnostics: planned.diagnostics, callDepth: planned.generated?.callDepth };
}

describe("the module's call depth", () => {
  it("counts the support library's chains of calls as assembly/writ.ts makes them", () => {
    const library = readFileSync(new URL("../../assembly/writ.ts", import.meta.url), "utf8");
    // each function from its declaration to the next one's
    const starts = [...library.matchAll(/^(?:@inline )?(?:export )?function /gm)].map((m) => m.index);
    const texts = starts.map((at, i) => library.slice(at, starts[i + 1] ?? library.length));
    const depths = callDepths(texts);
    const exported = [...library.matchAll(/^(?:@inline )?export function (\w+)\(/gm)].map((m) => m[1]!);
    expect([...SUPPORT_CALL_DEPTHS.keys()].sort()).toEqual(exported.sort());
    for (const [name, depth] of SUPPORT_CALL_DEPTHS) expect([name, depths.below(name)]).toEqual([name, depth]);
  });

  it("is the validator's, unoptimised, and bounds it optimised", async () => {
    const texts = [
      ...readdirSync(new URL("../../policies/", import.meta.url))
        .filter((f) => f.endsWith(".writ"))
        .map((f) => readFileSync(new URL(`../../policies/${f}`, import.meta.url), "utf8")),
      // parts of a rule cut into functions, and the comparison of a list nested 20 deep below them
      chain(12, nested(20)),
      // a literal's elements stored by functions called through a tree of calls
      policy(INPUT(), `permit p when [${Array.from({ length: 200 }, (_, i) => `c.xs.exists(x, x > ${i})`).join(", ")}].exists(b, b)`),
    ];
    for (const text of texts) {
      const { diagnostics, callDepth } = await plan(text);
      expect(diagnostics).toEqual([]);
      const measured = [];
      for (const optimize of [false, true]) {
        const r = await compilePolicy(text, { optimize });
        expect(r.diagnostics).toEqual([]);
        const profile = validateProfile(r.bundle!.module);
        measured.push(profile.ok ? profile.info.callDepth : -1);
      }
      expect(measured[0]).toBe(callDepth);
      expect(measured[1]).toBeGreaterThan(0);
      expect(measured[1]).toBeLessThanOrEqual(callDepth!);
    }
  }, 240_000);

  it(`at the profile's limit, ${MAX_CALL_DEPTH}, compiles unoptimised`, async () => {
    const text = chain(MAX_CALL_DEPTH - 1);
    expect((await plan(text)).callDepth).toBe(MAX_CALL_DEPTH);
    const r = await compilePolicy(text, { optimize: false });
    expect(r.diagnostics).toEqual([]);
    const profile = validateProfile(r.bundle!.module);
    expect(profile.ok && profile.info.callDepth).toBe(MAX_CALL_DEPTH);
  }, 120_000);
});

describe("a rule through which a decision's calls would be deeper than the profile allows", () => {
  it("is refused at the rule (W0507) by writ check's stages, with the depth the module would have", async () => {
    const text = chain(MAX_CALL_DEPTH + 1);
    const r = await compilePolicy(text, { stopAfter: "plan" });
    expect(r.diagnostics.map((d) => d.code)).toEqual(["W0507"]);
    const [d] = r.diagnostics as [Diagnostic];
    // writ_evaluate, the rule's function, and a function for each of its 256 `&&`
    expect(d.message).toBe(
      "rule `p` is nested too deeply for the module's stack: a decision would make a chain of 258 calls through it (257 from its function down: a function for each part of its condition of more than 256 operations that holds another, such as each operand of a long chain of `&&` or `||`, and those comparing the lists and maps it compares), more than the 256 the determinism profile allows",
    );
    expect(d.help).toBe("bracket a long chain of `&&` or `||` into groups, `(a && b && c) && (d && e && f)`, so that no part holds the next; or split it into rules");
    expect(text.slice(d.span.start, d.span.end)).toMatch(/^permit p when c\.xs\.exists\(x, \(x == 0 \|\| /);
    // one `&&` fewer (257 calls) is refused too
    expect((await plan(chain(MAX_CALL_DEPTH))).diagnostics.map((d) => d.message.slice(0, 100))).toEqual([
      "rule `p` is nested too deeply for the module's stack: a decision would make a chain of 257 calls thr",
    ]);
  }, 60_000);

  it("counts the comparisons of nested lists below its functions", async () => {
    // 200 parts within the limit alone; comparing lists nested 60 deep below them takes 60 calls more
    expect((await plan(chain(200))).diagnostics).toEqual([]);
    const { diagnostics } = await plan(chain(200, nested(60)));
    expect(diagnostics.map((d) => d.code)).toEqual(["W0507"]);
    expect(diagnostics[0]!.message).toMatch(/^rule `p` is nested too deeply for the module's stack: a decision would make a chain of 262 calls through it \(261 from its function down: /);
  }, 60_000);

  it("is taken once its chain is bracketed into groups", async () => {
    const groups: string[] = [];
    const all = operands(300);
    for (let i = 0; i < all.length; i += 16) groups.push(`(${all.slice(i, i + 16).join(" && ")})`);
    const { diagnostics, callDepth } = await plan(policy(INPUT(), `permit p when c.xs.exists(x, ${groups.join(" && ")})`));
    expect(diagnostics).toEqual([]);
    expect(callDepth).toBeLessThan(20);
  }, 60_000);
});
