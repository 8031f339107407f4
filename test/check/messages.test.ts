// Type-mismatch messages that would otherwise read as self-contradictory.

import { describe, expect, it, vi } from "vitest";
import { SuggestionBudget } from "../../compiler/check/suggest.js";
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
    // (the override, written as it is, is also warned of: W0701, test/syntax/hidden-characters.test.ts)
    expect(r.diagnostics.filter((d) => d.code !== "W0701").map((d) => d.message)).toEqual(['map key `"x\\u202egnp.exe"` appears twice']);
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

  it("name an operand's own type, not the one it took from the other side; that of an empty literal's element is `no type`, as docs/language.md says, never a name no policy writes", async () => {
    const r = await compilePolicy(policy('"a" - [][0] == 1'), { stopAfter: "check" });
    expect(r.diagnostics[0]!.message).toBe("no overload of `-` for (`string`, `no type`)");
    const plus = await compilePolicy(policy("[][0] + b"), { stopAfter: "check" });
    expect(plus.diagnostics[0]!.message).toBe("no overload of `+` for (`no type`, `bool`)");
    const messages = async (condition: string) => (await compilePolicy(policy(condition), { stopAfter: "check" })).diagnostics.map((d) => d.message);
    expect(await messages("[] + 1 == []")).toEqual(["no overload of `+` for (`list<no type>`, `int`)"]);
    expect(await messages("[].map(x, x) == 1")).toEqual(["cannot compare `list<no type>` with `int`"]);
    expect(await messages("{}")).toEqual(["a condition must be a bool, but this is `map<string, no type>`"]);
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

  it("name the feature left out for a key that is not a string looked up in a map with no entries (CEL's `7 in {}`)", async () => {
    const codes = async (condition: string) => (await compilePolicy(policy(condition), { stopAfter: "check" })).diagnostics.map((d) => `${d.code} ${d.message}`);
    expect(await codes("7 in {}")).toEqual(["W0401 map keys other than strings are not supported"]);
    expect(await codes("b in {}")).toEqual(["W0401 map keys other than strings are not supported"]);
    // a map with string keys: CEL has no overload either
    expect(await codes('7 in {"a": 1}')).toEqual(["W0306 no overload of `in` for (`int`, `map<string, int>`)"]);
    expect(await codes('"a" in {}')).toEqual([]);
  });

  it("name what an index of a `never` value may be (it is read as a list or a map)", async () => {
    const r = await compilePolicy(policy("[].exists(x, x[b] == 1)"), { stopAfter: "check" });
    expect(r.diagnostics.map((d) => d.message)).toEqual(["an index must be an int or a string, but this is `bool`"]);
  });
});

describe("names in messages", () => {
  // (19 such names in one policy: at most 4 MiB of text is parsed)
  const long = (c: string) => c.repeat(150_000);
  const shown = (c: string) => `${c.repeat(79)}…`;

  it("are cut at 80 characters, however long the name: a name of 150,000 characters makes no message as long", async () => {
    const [a, b, f, t] = [long("a"), long("b"), long("f"), long("t")];
    const text = [
      `policy "${long("p")}" version "1"`,
      `input { r: { x: int }, ${f}: int, ${f}: int, v: ${t} }`,
      `let ${a} = 1`,
      `let ${a} = 2`,
      `@${a}("1")`,
      `@${a}("2")`,
      `permit ${b} when ${b} == 1 || r.${b} == 1 || ${b}(1) || has(r.${b})`,
      `permit ${b}`,
      `test "${long("n")}" { input { ${a}: 1, ${a}: 2 } expect allow by [${long("c")}] }`,
      `test "${long("n")}" { input {} expect deny }`,
    ].join("\n");
    const r = await compilePolicy(text, { stopAfter: "check" });
    const said = r.diagnostics.map((d) => `${d.code} ${d.message} ${d.help ?? ""}`);
    expect(said.every((m) => m.length < 400), said.map((m) => m.length).join(" ")).toBe(true);
    const codes = r.diagnostics.map((d) => d.code);
    for (const code of ["W0208", "W0202", "W0301", "W0203", "W0206", "W0204", "W0205", "W0309", "W0601", "W0602", "W0603"]) expect(codes).toContain(code);
    const message = (code: string) => r.diagnostics.find((d) => d.code === code)!.message;
    expect(message("W0204")).toBe(`unknown name \`${shown("b")}\``);
    expect(message("W0205")).toBe(`no field \`${shown("b")}\` in \`r\``);
    expect(message("W0309")).toBe(`unknown function \`${shown("b")}\``);
    expect(message("W0301")).toBe(`unknown type \`${shown("t")}\``);
    expect(message("W0206")).toBe(`annotation \`@${shown("a")}\` appears twice on rule \`${shown("b")}\``);
    expect(message("W0208")).toMatch(new RegExp(`^policy name \`${shown("p")}\` cannot name`));
  });

  it("are cut in the costliest rule's name (W0503) too", async () => {
    const r = await compilePolicy(`policy "p" version "1"\ninput { l: list<int>(1000) }\npermit ${long("r")} when l.all(x, l.all(y, l.all(z, x == y)))\n`, { stopAfter: "cost" });
    expect(r.diagnostics.map((d) => d.message)).toEqual([expect.stringMatching(new RegExp(`rule \`${shown("r")}\` alone costs`))]);
  });

  it("list at most ten names in scope or fields, then how many more", async () => {
    const fields = Array.from({ length: 25 }, (_, i) => `f${i}: int`).join(", ");
    const r = await compilePolicy(`policy "p" version "1"\ninput { r: { ${fields} }, ${fields} }\npermit p when zzzzzz == 1 || r.zzzzzz == 1\n`, { stopAfter: "check" });
    const fieldsFrom = (n: number) => Array.from({ length: n }, (_, i) => `\`f${i}\``).join(", ");
    expect(r.diagnostics.map((d) => d.help)).toEqual([`names in scope: \`r\`, ${fieldsFrom(9)} and 16 more`, `its fields are ${fieldsFrom(10)} and 15 more`]);
  });

  it("are cut in a record's type too, which shows ten fields, then how many more", async () => {
    const fields = Array.from({ length: 25 }, (_, i) => `f${i}: int`).join(", ");
    const r = await compilePolicy(`policy "p" version "1"\ninput { r: { ${long("x")}: int }, s: { ${fields} } }\npermit p when r || s\n`, { stopAfter: "check" });
    const ten = Array.from({ length: 10 }, (_, i) => `f${i}: int`).join(", ");
    expect(r.diagnostics.map((d) => d.message)).toEqual([`no overload of \`||\` for (\`{ ${shown("x")}: int }\`, \`{ ${ten}, … 15 more }\`)`]);
  });

  it("escape what would end the line or change how it displays, in a quoted field name", async () => {
    const r = await compilePolicy('policy "p" version "1"\ninput { r: { x: int } }\npermit p when r.`a\u001b[2Kb\u202e` == 1\n', { stopAfter: "check" });
    expect(r.diagnostics.filter((d) => d.code !== "W0701").map((d) => d.message)).toEqual(["no field `a\\u001b[2Kb\\u202e` in `r`"]);
  });

  it("look for no suggestion among names too long to be misspelt: two names of 200,000 characters cost no edit distance", async () => {
    // the work suggestions take from the check's budget: one for a name gathered or weighed, one for
    // a cell of an edit distance (a row of the two names' distance would be 200,000 cells)
    const take = SuggestionBudget.prototype.take;
    let work = 0;
    const counting = vi.spyOn(SuggestionBudget.prototype, "take").mockImplementation(function (this: SuggestionBudget, n: number) {
      work += n;
      return take.call(this, n);
    });
    try {
      const r = await compilePolicy(`policy "p" version "1"\ninput { ${"x".repeat(200_000)}: int }\npermit p when ${"x".repeat(199_999)}y == 1\n`, { stopAfter: "check" });
      expect(r.diagnostics.map((d) => d.code)).toEqual(["W0204"]);
    } finally {
      counting.mockRestore();
    }
    expect(work).toBeGreaterThan(0); // the names in scope were gathered
    expect(work).toBeLessThan(1_000);
  });
});
