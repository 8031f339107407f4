// A policy whose fixed memory is over the 16 MiB a module may have is refused with W0902 by
// `writ check` as by `writ compile`. The memory plan (layout, arena, generated source) needs no
// AssemblyScript, so it is a stage of its own that checking runs; `writ check` used to stop before it
// and report 0 errors for a policy `writ compile` then refused.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compilePolicy, STAGES } from "../../compiler/driver.js";
import { MAX_MEMORY_BYTES } from "../../compiler/backend/plan.js";
import { main } from "../../cli/writ.js";
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

  it("counts a string by how the rules read it: an id when only compared, its bound when its text is needed", async () => {
    const policy = (condition: string) => `policy "p" version "1"\ninput { ls: list<string(${MiB})>(16) }\npermit p when ${condition}\n`;
    expect((await compilePolicy(policy(`"a" in ls`), { stopAfter: "plan" })).diagnostics).toEqual([]);
    const text = await compilePolicy(policy(`ls.exists(x, x.startsWith("a"))`), { stopAfter: "plan" });
    expect(text.diagnostics.map((d) => d.code)).toEqual(["W0902"]);
  });
});
