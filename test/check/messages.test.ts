// Type-mismatch messages that would otherwise read as self-contradictory.

import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";

const policy = (condition: string) => `policy "m" version "1.0.0"\ninput { b: bool, r1: { a: int }, r2: { a: int } }\npermit p when ${condition}\n`;

describe("mismatch messages", () => {
  it("say why two records that print alike are different types", async () => {
    for (const condition of ["(b ? r1 : r2).a == 1", "[r1, r2][0].a == 1"]) {
      const r = await compilePolicy(policy(condition), { stopAfter: "check" });
      expect(r.diagnostics.map((d) => d.message).join("\n")).toContain("`{ a: int }` and `{ a: int }` (records declared in different places are different types");
    }
  });

  it("quote a duplicate map key with what could change how the line displays escaped (a right-to-left override)", async () => {
    const r = await compilePolicy(policy('{"x\u202egnp.exe": 1, "x\u202egnp.exe": 2}["a"] == 1'), { stopAfter: "check" });
    expect(r.diagnostics.map((d) => d.message)).toEqual(['map key `"x\\u202egnp.exe"` appears twice']);
  });

  it("say so too where an operator has no overload for two lists of records that print alike", async () => {
    const lists = 'policy "m" version "1.0.0"\ninput { a: list<{ x: int }>(3), b: list<{ x: int }>(3), l: list<int> }\n';
    const apart = await compilePolicy(`${lists}permit p when size(a + b) > 0\n`, { stopAfter: "check" });
    expect(apart.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual([
      "W0306 no overload of `+` for (`list<{ x: int }>`, `list<{ x: int }>`) (records declared in different places are different types, even with the same fields)",
    ]);
    // one type twice, with no overload: nothing to explain
    const same = await compilePolicy(`${lists}permit p when l > l\n`, { stopAfter: "check" });
    expect(same.diagnostics.map((d) => d.message)).toEqual(["no overload of `>` for (`list<int>`, `list<int>`)"]);
  });

  it("stay plain when the types print differently", async () => {
    const r = await compilePolicy(policy("(b ? r1 : 1) == 1"), { stopAfter: "check" });
    expect(r.diagnostics[0]!.message).toBe("the branches of `?:` have different types: `{ a: int }` and `int`");
  });

  it("name an operand's own type, never included, not the one it took from the other side", async () => {
    const r = await compilePolicy(policy('"a" - [][0] == 1'), { stopAfter: "check" });
    expect(r.diagnostics[0]!.message).toBe("no overload of `-` for (`string`, `never`)");
    const plus = await compilePolicy(policy("[][0] + b"), { stopAfter: "check" });
    expect(plus.diagnostics[0]!.message).toBe("no overload of `+` for (`never`, `bool`)");
  });

  it("say that a `map` cannot produce records, where there is no literal to blame", async () => {
    const src = 'policy "m" version "1.0.0"\ninput { lr: list<{ a: int }>(4), mr: map<string, { a: int }>(4) }\n';
    for (const [condition, transform] of [["lr.map(x, x).size() == 1", "x"], ["mr.map(k, true, mr[k]).size() == 1", "mr[k]"]] as const) {
      const text = `${src}permit p when ${condition}\n`;
      const r = await compilePolicy(text, { stopAfter: "check" });
      expect(r.diagnostics.map((d) => `${d.code} ${d.message}`)).toEqual(["W0401 a `map` whose results hold records is not supported: map to their fields"]);
      expect(text.slice(r.diagnostics[0]!.span.start, r.diagnostics[0]!.span.end)).toBe(transform);
    }
    const literal = await compilePolicy(`${src}permit p when lr.map(x, [x]).size() == 1\n`, { stopAfter: "check" });
    expect(literal.diagnostics.map((d) => d.message)).toEqual(["records cannot be placed in list or map literals"]);
  });

  it("name what an index of a `never` value may be (it is read as a list or a map)", async () => {
    const r = await compilePolicy(policy("[].exists(x, x[b] == 1)"), { stopAfter: "check" });
    expect(r.diagnostics.map((d) => d.message)).toEqual(["an index must be an int or a string, but this is `bool`"]);
  });
});
