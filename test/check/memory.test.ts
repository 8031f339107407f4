// A policy whose fixed memory is over the 16 MiB a module may have is refused with W0902 by
// `writ check` as by `writ compile`. The memory plan (layout, arena, generated source) needs no
// AssemblyScript, so it is a stage of its own that checking runs; `writ check` used to stop before it
// and report 0 errors for a policy `writ compile` then refused.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compilePolicy, STAGES } from "../../compiler/driver.js";
import { MAX_MEMORY_BYTES, memorySize } from "../../compiler/backend/plan.js";
import { main } from "../../cli/main.js";
import { tempDir } from "../support/temp-dir.js";

const MiB = 1024 * 1024;
// 17 fields of 1 MiB whose text a rule needs (startsWith): 17 MiB of input region
const fields = Array.from({ length: 17 }, (_, i) => `s${i}`);
const tooLarge = [
  `policy "mem" version "1"`,
  `input { ${fields.map((f) => `${f}: string(${MiB})`).join(", ")} }`,
  `permit p when ${fields.map((f) => `${f}.startsWith("a")`).join(" && ")}`,
  ``,
].join("\n");

const dir = tempDir("memory");

describe("the module's fixed memory", () => {
  it("is planned after the cost, before AssemblyScript, and refused there with W0902", async () => {
    expect(STAGES.indexOf("plan")).toBe(STAGES.indexOf("cost") + 1);
    expect(STAGES.indexOf("plan")).toBeLessThan(STAGES.indexOf("codegen"));
    const r = await compilePolicy(tooLarge, { stopAfter: "plan" });
    expect(r.diagnostics.map((d) => d.code)).toEqual(["W0902"]);
    expect(r.diagnostics[0]!.message).toBe(
      "the policy needs 17.0 MiB of fixed module memory (constants 0.0 MiB, input 17.0 MiB, scratch 0.0 MiB), more than the 16.0 MiB allowed",
    );
    // it points at the input block, whose bounds its help asks to lower, not at the first rule
    expect(tooLarge.slice(r.diagnostics[0]!.span.start, r.diagnostics[0]!.span.start + 7)).toBe("input {");
    expect(r.timings.plan).toBeGreaterThanOrEqual(0);
    expect(r.timings.codegen).toBeUndefined();
    expect(MAX_MEMORY_BYTES).toBe(16 * MiB);
  });

  it("is reported once by a full compile, which stops there", async () => {
    const r = await compilePolicy(tooLarge, { optimize: false });
    expect(r.diagnostics.map((d) => d.code)).toEqual(["W0902"]);
    expect(r.bundle).toBeUndefined();
    expect(r.timings.codegen).toBeUndefined();
  });

  it("is checked by writ check, exit 1", async () => {
    writeFileSync(join(dir, "mem.writ"), tooLarge);
    const err: string[] = [];
    const code = await main(["check", "mem.writ"], { cwd: dir, out: () => {}, err: (t) => err.push(t), readStdin: async () => "" });
    expect(code).toBe(1);
    expect(err.join("\n")).toContain("error[W0902]");
    expect(err.join("\n")).toContain("mem.writ: 1 error, 0 warnings");
  });

  it("says how much in exact bytes just over the limit, where tenths of a MiB would say 16.0 twice", async () => {
    // 16 fields of 1 MiB whose text a rule needs: 16 MiB and a few hundred bytes
    const near = [
      `policy "near" version "1"`,
      `input { ${fields.slice(0, 16).map((f) => `${f}: string(${MiB})`).join(", ")} }`,
      `permit p when ${fields.slice(0, 16).map((f) => `${f}.startsWith("a")`).join(" && ")}`,
      ``,
    ].join("\n");
    const r = await compilePolicy(near, { stopAfter: "plan" });
    expect(r.diagnostics.map((d) => d.code)).toEqual(["W0902"]);
    const message = r.diagnostics[0]!.message;
    const match = /^the policy needs ([\d,]+) bytes of fixed module memory \(constants ([\d,]+) bytes, input ([\d,]+) bytes, scratch ([\d,]+) bytes, results ([\d,]+) bytes\), more than the 16,777,216 bytes \(16\.0 MiB\) allowed$/.exec(message);
    expect(match, message).not.toBeNull();
    const [total, ...parts] = match!.slice(1).map((n) => Number(n.replaceAll(",", "")));
    expect(total).toBeGreaterThan(MAX_MEMORY_BYTES);
    expect(total).toBeLessThan(MAX_MEMORY_BYTES + MiB / 20);
    expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
    expect(parts[1]).toBe(16 * 4 + 16 * (4 + MiB)); // 16 pointers, 16 blocks of a length and 1 MiB
  });

  it("writes huge sizes in larger units, and past 1,024 TiB says only that", async () => {
    // each `map` over 999,997 elements builds a list as long in scratch: lists of lists of lists
    // (the largest budget, 2^53 - 1, takes three maps over 100,000 elements: about 3.0e15 steps)
    const policy = (depth: number, length: number) => {
      let e = "l";
      for (let k = 0; k < depth; k++) e = `l.map(x${k}, ${e})`;
      return `policy "p" version "1"\ninput { l: list<int>(${length}) }\npermit a when size(${e}) > 0\n`;
    };
    const message = async (depth: number, length: number) =>
      (await compilePolicy(policy(depth, length), { stopAfter: "plan", maxCost: Number.MAX_SAFE_INTEGER })).diagnostics.map((d) => `${d.code} ${d.message}`);
    expect(await message(2, 999997)).toEqual(["W0902 the policy needs 3.6 TiB of fixed module memory (constants 0.0 MiB, input 7.6 MiB, scratch 3.6 TiB), more than the 16.0 MiB allowed"]);
    expect(await message(3, 100000)).toEqual([
      "W0902 the policy needs more than 1,024 TiB of fixed module memory (constants 0.0 MiB, input 0.8 MiB, scratch more than 1,024 TiB), more than the 16.0 MiB allowed",
    ]);
    expect([0, 52428, 1023.96 * MiB, 1024 * MiB, 1.5 * 2 ** 40, 2 ** 50, NaN, Infinity].map(memorySize)).toEqual([
      "0.0 MiB",
      "0.0 MiB",
      "1.0 GiB",
      "1.0 GiB",
      "1.5 TiB",
      "more than 1,024 TiB",
      "more than 1,024 TiB",
      "more than 1,024 TiB",
    ]);
  });

  it("counts a string by how the rules read it: an id when only compared, its bound when its text is needed", async () => {
    const policy = (condition: string) => `policy "p" version "1"\ninput { ls: list<string(${MiB})>(16) }\npermit p when ${condition}\n`;
    expect((await compilePolicy(policy(`"a" in ls`), { stopAfter: "plan" })).diagnostics).toEqual([]);
    const text = await compilePolicy(policy(`ls.exists(x, x.startsWith("a"))`), { stopAfter: "plan" });
    expect(text.diagnostics.map((d) => d.code)).toEqual(["W0902"]);
  });
});
