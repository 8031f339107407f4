// The policy header's name becomes the bundle's file names (`<name>.wasm`, `<name>.manifest.json`):
// `writ check` refuses a name that cannot be one, pointing at it, instead of `writ compile` failing
// with no position after it made the output directory.

import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";

const policy = (name: string) => `policy ${JSON.stringify(name)} version "1.0.0"\ninput { a: int }\npermit p when a > 0\n`;

describe("policy names", () => {
  it.each(["a/b", "", ".", "..", "-rf", "é", "x".repeat(201), "a b"])("refuses %j with W0208 on the name", async (name) => {
    const text = policy(name);
    const r = await compilePolicy(text, { stopAfter: "cost" });
    const d = r.diagnostics.filter((x) => x.code === "W0208");
    expect(d).toHaveLength(1);
    expect(text.slice(d[0]!.span.start, d[0]!.span.end)).toBe(JSON.stringify(name));
  });

  it.each(["payments", "a.b-c_1", "_x", "9", "x".repeat(200)])("accepts %j", async (name) => {
    const r = await compilePolicy(policy(name), { stopAfter: "cost" });
    expect(r.diagnostics).toEqual([]);
  });

  it("reads a byte-order mark at the start of the file as a space, and nowhere else", async () => {
    expect((await compilePolicy("\uFEFF" + policy("p"), { stopAfter: "cost" })).diagnostics).toEqual([]);
    const inside = await compilePolicy(policy("p").replace("permit", "\uFEFFpermit"), { stopAfter: "cost" });
    expect(inside.diagnostics.map((d) => d.code)).toContain("W0105");
  });
});
