// The manifest holds the input schema and its layout as JSON, whose canonical form (the module's
// digest of its manifest, its signature) nests at most MAX_DEPTH levels, and each record of the
// schema adds three. Records nested 84 deep passed `writ check` and failed `writ compile` with an
// internal error at 1:1; both now refuse them with W0506 at the input block, and the deepest input
// block the count allows compiles.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { MAX_DEPTH } from "../../runtime/trust/jcs.js";
import { runWrit } from "../support/cli.js";
import { tempDir } from "../support/temp-dir.js";

/** `r` as `records` records one inside another, with `lists` lists inside them around `leaf`, read to the leaf */
function policy(records: number, leaf: "int" | "string", lists = 0): string {
  let t: string = leaf;
  for (let i = 0; i < lists; i++) t = `list<${t}>(2)`;
  for (let i = 0; i < records; i++) t = `{ x: ${t} }`;
  // the innermost value is read: an interned string compared with a constant, whose layout holds
  // the array of the constants it meets (the deepest JSON of all)
  const read = (k: number, x: string): string => (k === 0 ? `${x} == ${leaf === "int" ? "5" : '"x"'}` : `${x}.exists(v${k}, ${read(k - 1, `v${k}`)})`);
  return `policy "p" version "1"\ninput { r: ${t} }\npermit p when ${read(lists, `r${".x".repeat(records)}`)}\n`;
}

/** The levels of JSON `v` nests, its outermost container one. */
function depth(v: unknown): number {
  return typeof v === "object" && v !== null ? 1 + Math.max(0, ...Object.values(v).map(depth)) : 0;
}

describe("an input block nested too deep for its manifest", () => {
  it("is refused by the checker (W0506) at the input block, naming the field", async () => {
    const text = policy(84, "int");
    const r = await compilePolicy(text, { stopAfter: "check" });
    expect(r.diagnostics.map((d) => d.code)).toEqual(["W0506"]);
    const d = r.diagnostics[0]!;
    expect(text.slice(d.span.start, d.span.end)).toMatch(/^input \{ r: \{ x: .* \}$/);
    expect(d.message).toBe(
      `the input block nests too deep for the policy's manifest: \`r\` takes 258 levels of its JSON, more than the ${MAX_DEPTH} its canonical form allows (5 around a top-level field, 3 for each record, 1 for each list or map, 2 for a string and 1 for an int or bool)`,
    );
    expect(d.help).toBe("nest fewer records: at most 83 inside a top-level field, fewer with lists and maps among them");
    for (const [records, lists] of [[83, 1], [80, 11], [99, 0]] as const)
      expect((await compilePolicy(policy(records, "string", lists), { stopAfter: "check" })).diagnostics.map((x) => x.code), `${records} records, ${lists} lists`).toEqual(["W0506"]);
  });

  it("compiles at the deepest the count allows, a manifest of exactly the levels canonical JSON holds", async () => {
    for (const [records, leaf, lists] of [[83, "string", 0], [80, "string", 9], [83, "int", 0]] as const) {
      const r = await compilePolicy(policy(records, leaf, lists), { optimize: false });
      expect(r.diagnostics, `${records} records, ${lists} lists, ${leaf}`).toEqual([]);
      const { format, schema, layout, rules, errorSites } = r.bundle!.manifest;
      const levels = depth({ format, schema, layout, rules, errorSites });
      expect(levels).toBe(leaf === "string" ? MAX_DEPTH : MAX_DEPTH - 1);
    }
  }, 60_000);

  it("is refused alike by writ check and writ compile", async () => {
    const dir = tempDir("schema-depth");
    writeFileSync(join(dir, "deep.writ"), policy(84, "int"));
    const check = await runWrit(["check", "deep.writ"], dir);
    const compile = await runWrit(["compile", "deep.writ", "-o", "out"], dir);
    for (const run of [check, compile]) {
      expect(run.code).toBe(1);
      expect(run.err).toContain("deep.writ:2:1: error[W0506]");
      expect(run.err).not.toContain("W0901");
    }
  });
});
