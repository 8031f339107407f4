// Rules that share one index case, and plain rules, are called from functions of a bounded number
// of calls (codegen.ts, ruleCalls; split.ts): called from the one function that dispatched them,
// every rule was inlined into it, and optimising that function took time far beyond linear in the
// rules (4,000 erroring forbids sharing a case: 277 s of CPU). Checked by size, which does not
// depend on the machine: a case of n rules beside n plain rules has no generated function call 2 ×
// RULE_CHUNK rules or more, whatever n, and the largest function of the optimised module stays
// about the same size.

import { describe, expect, it } from "vitest";
import { RULE_CHUNK } from "../../compiler/backend/split.js";
import { planModule } from "../../compiler/backend/plan.js";
import { compilePolicy, createInterpreter, type CompileResult } from "../../compiler/index.js";
import { loadPolicy } from "../../runtime/index.js";
import { readModule } from "../../runtime/wasm/reader.js";

/** `n` erroring forbids under one index case, then `n` erroring plain forbids. */
function policy(n: number): string {
  const lines = [`policy "chunks" version "1.0.0"`, `input { action: { name: string(16), n: int, z: int } }`];
  for (let i = 0; i < n; i++) lines.push(`forbid q${i} when action.name == "x" && action.n / action.z == ${i % 7}`);
  for (let i = 0; i < n; i++) lines.push(`forbid p${i} when action.n / action.z == ${i % 5}`);
  return lines.join("\n") + "\n";
}

/** The most rule calls (`r_N();`) any one function of the generated source makes. */
function mostRuleCalls(source: string): number {
  let most = 0;
  for (const fn of source.split(/^(?=(?:export )?function )/m)) most = Math.max(most, (fn.match(/^\s*r_\d+\(\);$/gm) ?? []).length);
  return most;
}

function largestFunction(module: Uint8Array): number {
  const read = readModule(module);
  if (!read.ok) throw new Error(read.reason);
  return Math.max(...read.module.code.map((b) => b.codeEnd - b.codeStart));
}

async function compiled(n: number): Promise<CompileResult> {
  const r = await compilePolicy(policy(n));
  if (!r.bundle) throw new Error(r.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  return r;
}

describe("rule calls are split into functions of bounded size", () => {
  it("one case of any number of rules, beside any number of plain rules, takes no function past 2 × RULE_CHUNK rule calls", async () => {
    for (const n of [RULE_CHUNK - 1, 5 * RULE_CHUNK + 7, 25 * RULE_CHUNK]) {
      const r = await compilePolicy(policy(n), { stopAfter: "cost" });
      const source = planModule(r.ir!).generated!.source;
      const most = mostRuleCalls(source);
      expect(most).toBeLessThan(2 * RULE_CHUNK);
      // every rule is still called, once
      expect(source.match(/^\s*r_\d+\(\);$/gm)).toHaveLength(2 * n);
    }
  });

  it("so do the cases of a dispatch on list elements and of a case table", async () => {
    for (const n of [5 * RULE_CHUNK + 7, 25 * RULE_CHUNK]) {
      const lines = [`policy "chunks" version "1.0.0"`, `input { action: { name: string(16), n: int }, roles: list<string>(4) }`];
      for (let i = 0; i < n; i++) lines.push(`permit e${i} when "admin" in roles && action.n > ${i}`);
      // twelve dense constants take a case table; the first has n rules
      for (let i = 0; i < n; i++) lines.push(`permit t${i} when action.name == "a0" && action.n < ${i}`);
      for (let k = 1; k < 12; k++) lines.push(`permit t_${k} when action.name == "a${k}" && action.n > ${k}`);
      const r = await compilePolicy(lines.join("\n") + "\n", { stopAfter: "cost" });
      const generated = planModule(r.ir!).generated!;
      expect(generated.source).toContain("load<u16>"); // the case table's look-up
      expect(generated.indexedRules).toBe(2 * n + 11);
      expect(mostRuleCalls(generated.source)).toBeLessThan(2 * RULE_CHUNK);
      expect(generated.source.match(/^\s*r_\d+\(\);$/gm)).toHaveLength(2 * n + 11);
    }
  });

  it("the optimised module's largest function does not grow with the rules, and decides as the interpreter", async () => {
    const small = await compiled(2 * RULE_CHUNK);
    const large = await compiled(8 * RULE_CHUNK);
    expect(largestFunction(large.bundle!.module)).toBeLessThanOrEqual(1.25 * largestFunction(small.bundle!.module));
    const requests = [
      { action: { name: "x", n: 1, z: 0 } },
      { action: { name: "x", n: 12, z: 3 } },
      { action: { name: "y", n: 0, z: 0 } },
      { action: { name: "y", n: 8, z: 2 } },
    ];
    for (const r of [small, large]) {
      const module = loadPolicy(r.bundle!, { allowUnsigned: true });
      const interp = createInterpreter(r.ir!, r.bundle!.manifest.errorSites);
      for (const q of requests) expect(JSON.parse(JSON.stringify(module.decide(q)))).toEqual(JSON.parse(JSON.stringify(interp.decide(q))));
    }
  }, 180_000);
});
