// A policy over the cost budget is refused at the rule that costs most (where the bounds multiply),
// with the figures written as people read them, not as a float at 1:1.

import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { formatCost } from "../../compiler/ir/cost.js";

const text = [
  `policy "p" version "1.0.0"`,
  `input { xs: list<list<int>(999)>(999), n: int }`,
  `permit cheap when n > 0`,
  `permit costly when xs.exists(x, x.exists(y, xs.exists(z, z.exists(w, w == y))))`,
  ``,
].join("\n");

describe("the cost budget", () => {
  it("names the costliest rule and points at it", async () => {
    const r = await compilePolicy(text, { stopAfter: "cost" });
    const d = r.diagnostics.find((x) => x.code === "W0503");
    expect(d).toBeDefined();
    expect(text.slice(d!.span.start, d!.span.end)).toMatch(/^permit costly when/);
    expect(d!.message).toMatch(/^worst-case cost [\d,]+ is over the budget of [\d,]+; rule `costly` alone costs [\d,]+$/);
  });

  it("points at the rule's `permit` or `forbid`, not at its annotations, as the manifest places the rule", async () => {
    const annotated = text.replace("permit costly", '@reason("why it is there")\n@severity("high")\npermit costly');
    const r = await compilePolicy(annotated, { stopAfter: "cost" });
    const d = r.diagnostics.find((x) => x.code === "W0503")!;
    expect(annotated.slice(d.span.start, d.span.end)).toMatch(/^permit costly when .*\)$/);
    // the manifest's line and column of a rule: its keyword's, after its annotations (both there on line 4)
    const cheap = `policy "p" version "1"\ninput { n: int }\n@reason("a")\n  @severity("b")  forbid r when n > 0\npermit s\n`;
    const { bundle } = await compilePolicy(cheap, { optimize: false });
    expect(bundle!.manifest.rules.map((x) => [x.name, x.line, x.column])).toEqual([["r", 4, 19], ["s", 5, 1]]);
  });

  it("counts the module's checks of what the rules read, and names the field whose check outweighs every rule", async () => {
    // a key search costs 200 comparisons; checking the keys' order (once per decision) compares
    // their bytes: 200 × 65,536 of them when they are alike but for their last
    const policy = (rule: string) => [`policy "p" version "1.0.0"`, `input {`, `  n: int`, `  o?: { m: map<string(65536), int>(200) }`, `}`, rule, ``].join("\n");
    const text = policy(`permit p when "a" in o.m`);
    const r = await compilePolicy(text, { stopAfter: "cost" });
    const d = r.diagnostics.find((x) => x.code === "W0503");
    // 1 + 200 × (1 + 65,536): the block, then each key's block and its bytes
    expect(d?.message).toMatch(/^worst-case cost 13,107,[\d,]+ is over the budget of 10,000,000; checking the request's `o\.m` alone costs 13,107,401$/);
    // at the field's own declaration, inside its record, as docs/language.md says
    expect(text.slice(d!.span.start, d!.span.end)).toBe("m: map<string(65536), int>(200)");
    // once per decision, however often the rules read it
    const once = await compilePolicy(policy(`permit p when "a" in o.m`), { stopAfter: "cost", maxCost: 1e9 });
    const inMacro = await compilePolicy(policy(`permit p when [1, 2, 3].exists(i, "a" in o.m)`), { stopAfter: "cost", maxCost: 1e9 });
    expect(inMacro.costBound! - once.costBound!).toBeLessThan(3 * 1000);
    // a field the rules never read is not checked, and costs nothing
    expect((await compilePolicy(policy(`permit p when n > 0`), { stopAfter: "cost" })).costBound).toBeLessThan(10);
  });

  it("writes exact costs with separators", async () => {
    const r = await compilePolicy(text.replace(/permit costly.*\n/, "permit costly when xs.exists(x, x.exists(y, y == n))\n"), { stopAfter: "cost", maxCost: 1000 });
    const d = r.diagnostics.find((x) => x.code === "W0503");
    expect(d!.message).toMatch(/^worst-case cost [\d,]+ is over the budget of 1,000; rule `costly` alone costs [\d,]+$/);
    expect(d!.message).toContain(",");
  });

  it("counts a membership test by the smaller of the needle and an element, as equality", async () => {
    const policy = (needle: string) =>
      [`policy "p" version "1.0.0"`, `input { xs: list<string(1000)>(100), s: string(1000) }`, `permit r when ${needle} in xs`, ``].join("\n");
    const short = await compilePolicy(policy(`"ab"`), { stopAfter: "cost" });
    const long = await compilePolicy(policy(`s`), { stopAfter: "cost" });
    // 100 elements: a 2-byte constant touches at most 2 bytes of each, a 1,000-byte field 1,000
    expect(short.costBound).toBeGreaterThanOrEqual(100 * 2);
    expect(short.costBound).toBeLessThan(100 * 2 + 20);
    expect(long.costBound).toBeGreaterThanOrEqual(100 * 1000);
  });

  it("bounds a map's keys by the schema's key bound wherever they travel", async () => {
    // 64 keys of up to 65,536 bytes compared with 64 list elements as long: 64 × 64 × 65,536 bytes
    const costOf = async (rule: string) => {
      const text = [
        `policy "p" version "1.0.0"`,
        `input { m: map<string(65536), int>(64), xs: list<string(65536)>(64), s: string(65536) }`,
        `permit p when ${rule}`,
        ``,
      ].join("\n");
      return (await compilePolicy(text, { stopAfter: "cost", maxCost: 1e15 })).costBound!;
    };
    expect(await costOf("m.exists(k, k in xs)")).toBeGreaterThanOrEqual(64 * 64 * 65536); // a comprehension's key
    expect(await costOf("xs.exists(x, x in m.filter(k, true))")).toBeGreaterThanOrEqual(64 * 64 * 65536); // filter: a list of keys
    expect(await costOf("s in m")).toBeGreaterThanOrEqual(64 * 65536); // a key search
    expect(await costOf("m[s] > 0")).toBeGreaterThanOrEqual(64 * 65536);
    // the literal is the smaller side: beyond the check of m's keys, which any read of m makes once
    expect((await costOf(`m == {"a": 1}`)) - (await costOf("size(m) > 0"))).toBeLessThan(100);
  });

  it("takes 10,000 role rules within the default budget", async () => {
    const rules = Array.from({ length: 10_000 }, (_, n) => `permit role_${n} when "role-${n}" in principal.roles && level >= ${n % 5}`);
    const text = [`policy "roles" version "1.0.0"`, `input { principal: { roles: list<string>(16) }, level: int }`, ...rules, ``].join("\n");
    const r = await compilePolicy(text, { stopAfter: "cost" });
    expect(r.diagnostics.filter((d) => d.code === "W0503")).toEqual([]);
    expect(r.costBound).toBeGreaterThan(10_000 * 16 * 6);
  });

  it("writes costs beyond exact integers as an estimate", () => {
    expect(formatCost(9.636254425722862e81)).toBe("about 9.6e+81");
    expect(formatCost(1234567)).toBe("1,234,567");
  });

  it("counts a record's fields reached through `?:`, a list `+` or a map literal's join as the fields they are", async () => {
    const schema = "input { xs: list<{s: string(20000)}>(64), m: map<string(8), {s: string(20000)}>(64), t: string(10000), c: bool }";
    const cost = async (condition: string) => (await compilePolicy(`policy "p" version "1.0.0"\n${schema}\npermit r when ${condition}\n`, { stopAfter: "cost" })).costBound!;
    // one decision of the first took 12.7 s in the module while its cost read 640,390, within the budget
    expect(await cost("(c ? xs : xs).exists(x, x.s.contains(t))")).toBeGreaterThanOrEqual(await cost("xs.exists(x, x.s.contains(t))"));
    expect(await cost("(xs + xs)[0].s.contains(t)")).toBeGreaterThanOrEqual(await cost("xs[0].s.contains(t)"));
    expect(await cost('(c ? m : m)["a"].s.contains(t)')).toBeGreaterThanOrEqual(await cost('m["a"].s.contains(t)'));
    const over = await compilePolicy(`policy "p" version "1.0.0"\n${schema}\npermit r when (c ? xs : xs).exists(x, x.s.contains(t))\n`, { stopAfter: "cost" });
    expect(over.diagnostics.map((d) => d.code)).toEqual(["W0503"]);
  });

  it("sizes a scratch arena of gigabytes as gigabytes (W0902), not wrapped round 2^31 to kilobytes", async () => {
    const r = await compilePolicy('policy "p" version "1.0.0"\ninput { xs: list<int>(2048), s: string(1048576) }\npermit r when xs.map(x, s + s).exists(y, size(y) > 0)\n', { maxCost: 1e10, optimize: false });
    expect(r.bundle).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toEqual(["W0902"]);
    expect(r.diagnostics[0]!.message).toMatch(/scratch 4\.0 GiB/);
  }, 60_000);
});

describe("constants, evaluated at compile time", () => {
  const doubling = (first: string, lines: number) =>
    [`policy "p" version "1"`, `input { n: int }`, `let C0 = ${first}`, ...Array.from({ length: lines }, (_, k) => `let C${k + 1} = C${k} + C${k}`), `permit p when n > 0`].join("\n");

  it.each([
    ["strings", `"abcdefgh"`],
    ["lists", `[1, 2, 3, 4, 5, 6, 7, 8]`],
  ])("stop at the first one too large to hold, and evaluate none after it (%s doubled)", async (_, first) => {
    // 30 doublings: a string too long for V8 (a RangeError), a list that aborts the whole process
    const r = await compilePolicy(doubling(first, 30), { stopAfter: "check" });
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["W0502", "constant `C19` holds more than 4,000,000 elements and bytes, the most a module stores for one"],
    ]);
  });

  it("are measured by what they hold: one long string beside short ones, a table of 100,000 ids", async () => {
    const roles = [...Array.from({ length: 99 }, (_, i) => `"role-${i}"`), `"${"x".repeat(10_100)}"`];
    const ids = Array.from({ length: 100_000 }, (_, i) => `"id-${String(i).padStart(7, "0")}"`);
    for (const list of [roles, ids]) {
      const r = await compilePolicy(`policy "p" version "1"\ninput { s: string(64) }\nlet T = [${list.join(", ")}]\npermit p when s in T\n`, { stopAfter: "check" });
      expect(r.diagnostics).toEqual([]);
    }
  });

  it("refuses one whose evaluation alone would take too long, and reports a failed one once", async () => {
    const cube = `let L = [${Array.from({ length: 400 }, (_, i) => i).join(", ")}]\nlet M = L.map(a, L.map(b, L.filter(c, c == a + b)))`;
    const r = await compilePolicy(`policy "p" version "1"\ninput { n: int }\n${cube}\nlet N = size(M)\nlet Z = 1 / 0\nlet Y = Z + 1\npermit p when n > Y`, { stopAfter: "check" });
    expect(r.diagnostics.map((d) => [d.code, d.message.replace(/[\d,]+ steps/, "N steps")])).toEqual([
      ["W0502", "constant `M` is too large to evaluate: it may take N steps (at most 10,000,000)"],
      ["W0502", "constant `Z` fails to evaluate: division by zero"],
    ]);
  });
});

describe("the constants of a policy, together", () => {
  const A = `let A = [${Array.from({ length: 100 }, (_, i) => i).join(", ")}]`;
  const policy = (lets: string[]) => `policy "p" version "1"\ninput { n: int }\n${lets.join("\n")}\npermit p when n > 0\n`;

  it("may take at most 20,000,000 steps: the constant that goes over is refused, and none after it is evaluated", async () => {
    // each may take about 9 million steps (each alone within its limit), though `exists` stops at
    // its first element here; a hundred such constants that build lists ran the compiler out of memory
    const cube = (i: number) => `let B${i} = A.exists(x, A.exists(y, A.exists(z, x + y + z >= ${i})))`;
    const one = await compilePolicy(policy([A, cube(0)]), { stopAfter: "check" });
    expect(one.diagnostics).toEqual([]);
    const text = policy([A, cube(0), cube(1), cube(2), `let Z = 1 / 0`, cube(3)]);
    const r = await compilePolicy(text, { stopAfter: "check" });
    expect(r.diagnostics.map((d) => [d.code, d.message.replace(/to [\d,]+,/, "to N,")])).toEqual([
      ["W0502", "constant `B2` brings the steps the policy's constants may take to N, more than the 20,000,000 they may take together; the constants after it are not evaluated"],
    ]);
    expect(text.slice(r.diagnostics[0]!.span.start, r.diagnostics[0]!.span.end)).toMatch(/^A\.exists\(x, .* >= 2\)\)\)$/);
    const steps = Number(/to ([\d,]+),/.exec(r.diagnostics[0]!.message)![1]!.replace(/,/g, ""));
    expect(steps).toBeGreaterThan(20_000_000);
    expect(steps).toBeLessThan(30_000_000);
  });

  it("may hold at most 5,000,000 elements and bytes", async () => {
    // S17 is a string of 2^20 bytes; with the strings it is built from, 2^21 - 8 bytes
    const doubling = Array.from({ length: 17 }, (_, k) => `let S${k + 1} = S${k} + S${k}`);
    const lets = [`let S0 = "abcdefgh"`, ...doubling, `let D = S17 + S17`, `let E = S17`, `let F = "x"`];
    const r = await compilePolicy(policy(lets), { stopAfter: "check" });
    const held = 2 ** 21 - 8 + 2 ** 21 + 2 ** 20;
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["W0502", `constant \`E\` brings the elements and bytes the policy's constants hold to ${held.toLocaleString("en-US")}, more than the 5,000,000 they may hold together; the constants after it are not evaluated`],
    ]);
    const within = await compilePolicy(policy(lets.filter((l) => !l.startsWith("let E"))), { stopAfter: "check" });
    expect(within.diagnostics).toEqual([]);
  });
});

describe("costs too large for a number", () => {
  // fifty-odd nested macros over a large list cost more than a double holds (Infinity); around them,
  // a macro over a list that is always empty multiplies that by 0, which is NaN in JavaScript
  const nest = (depth: number, inner: string) => {
    let e = inner;
    for (let k = depth; k > 0; k--) e = `ys.exists(a${k}, ${e})`;
    return e;
  };
  const deep = nest(54, "a1 == a54");

  it("cost nothing inside a macro over an empty list, and are refused elsewhere in the same policy", async () => {
    const text = `policy "p" version "1"\ninput { ys: list<int>(999997), zs: list<int>(0) }\npermit empty when zs.exists(z, ${deep}) || [].exists(z, ${deep})\npermit full when ${deep}\n`;
    const r = await compilePolicy(text, { stopAfter: "cost" });
    expect(r.diagnostics.map((d) => d.code)).toEqual(["W0503"]);
    expect(r.diagnostics[0]!.message).toMatch(/rule `full` alone costs about/);
    const emptyOnly = await compilePolicy(text.replace(/permit full.*\n/, ""), { stopAfter: "cost" });
    expect(emptyOnly.diagnostics).toEqual([]);
    expect(Number.isFinite(emptyOnly.costBound)).toBe(true);
  });

  it("leave an input that is always empty its few bytes", async () => {
    let t = "int";
    for (let k = 0; k < 55; k++) t = `list<${t}>(1048576)`;
    const r = await compilePolicy(`policy "p" version "1"\ninput { xs: list<${t}>(0), n: int }\npermit p when size(xs) == 0 && n > 0\n`, { optimize: false });
    expect(r.diagnostics).toEqual([]);
    expect((r.bundle!.manifest.layout as { inputSize: number }).inputSize).toBeLessThan(64);
  });

  it("do not hide a constant's own cost", async () => {
    // ys: 524,288 elements, built by doubling; the part after `||` alone takes ~5e11 steps (out of
    // memory, evaluated), and a NaN beside it made the sum NaN, which passed the limit
    const doubling = Array.from({ length: 16 }, (_, k) => `let L${k + 1} = L${k} + L${k}`).join("\n");
    const text = `policy "p" version "1"\ninput { n: int }\nlet L0 = [0, 1, 2, 3, 4, 5, 6, 7]\n${doubling}\nlet ys = L16\nlet C = [].exists(z, ${nest(54, "a1 == a54")}) || size(ys.map(x, ys + ys)) > 0\npermit p when n > 0 && C\n`;
    const r = await compilePolicy(text, { stopAfter: "check" });
    expect(r.diagnostics.map((d) => [d.code, d.message.replace(/[\d,]+ steps/, "N steps")])).toEqual([
      ["W0502", "constant `C` is too large to evaluate: it may take N steps (at most 10,000,000)"],
    ]);
  });
});

describe("map literals", () => {
  it("cost the bytes of their keys, hashed into the map each time one is built", async () => {
    const key = (i: number) => `"${"a".repeat(1000)}${i}"`;
    const literal = `{${Array.from({ length: 30 }, (_, i) => `${key(i)}: x`).join(", ")}}`;
    // 100,000 maps of 30 keys of 1 KB: about 3e9 bytes hashed (the interpreter took 9 s a decision)
    const r = await compilePolicy(`policy "p" version "1"\ninput { xs: list<int>(100000) }\npermit p when xs.exists(x, size(${literal}) == 0)\n`, { stopAfter: "cost" });
    expect(r.diagnostics.map((d) => d.code)).toEqual(["W0503"]);
    expect(r.costBound).toBeGreaterThan(3e9);
  });
});

describe("comparisons of nested lists and maps", () => {
  // `==`, `!=` and `in` compare level by level (a call of the module's eq_N helper a level, a
  // recursion of the interpreter's valuesEqual): counted as its elements alone, a list of one list of
  // one ... of an int weighed 1 at any depth (test/backend/compare-work.test.ts counts the work)
  const nestedType = (depth: number): string => Array.from({ length: depth }).reduce<string>((t) => `list<${t}>(1)`, "int");
  const policy = (depth: number, turns: number, rule: string) => {
    const t = nestedType(depth);
    const input = `a: ${t}\n  b: ${t}\n  bs: list<${t}>(8)\n  m: map<string(4), ${t}>(2)\n  n: map<string(4), ${t}>(2)\n  zs: list<int>(${turns})`;
    return `policy "deep" version "1.0.0"\ninput {\n  ${input}\n}\npermit p when ${rule}\n`;
  };
  const cost = async (depth: number, rule: string) => (await compilePolicy(policy(depth, 1000, rule), { stopAfter: "cost", maxCost: 1e12 })).costBound!;

  it.each([
    ["membership", "zs.all(z, a in bs)", 8],
    ["equality", "zs.all(z, a == b)", 1],
    ["inequality", "zs.exists(z, a != b)", 1],
    ["equality of maps whose values are nested", "zs.all(z, m == n)", 2],
  ])("count every level: %s costs more the deeper the lists", async (_, rule, compared) => {
    // 1,000 turns, each comparing `compared` values 94 levels deeper at depth 95 than at depth 1
    expect((await cost(95, rule)) - (await cost(1, rule))).toBeGreaterThanOrEqual(1000 * compared * 94);
  });

  it("refuse membership in lists nested 95 deep where the same policy one deep is within the budget", async () => {
    const rule = "zs.all(z, a in bs) && size(zs) < 0";
    const shallow = await compilePolicy(policy(1, 50_000, rule), { stopAfter: "cost" });
    expect(shallow.diagnostics).toEqual([]);
    // 8 comparisons of 95 levels a turn: counted as one level, 650,000 turns were within the budget
    // and took the module 1.7 s a decision, the interpreter 4 s
    const deep = await compilePolicy(policy(95, 50_000, rule), { stopAfter: "cost" });
    expect(deep.diagnostics.map((d) => d.code)).toEqual(["W0503"]);
    // a level is a call of the module's: counted as several units, not one
    expect(deep.costBound).toBeGreaterThan(50_000 * 8 * 95 * 8);
  });

  it("count a flat list by its elements, and a level more", async () => {
    const text = `policy "p" version "1.0.0"\ninput { xs: list<int>(1000), ys: list<int>(1000) }\npermit p when xs == ys\n`;
    const r = await compilePolicy(text, { stopAfter: "cost" });
    expect(r.costBound).toBeGreaterThanOrEqual(1000);
    expect(r.costBound).toBeLessThan(1000 + 32);
  });
});

describe("size()", () => {
  const cost = async (input: string, rule: string) => {
    const r = await compilePolicy(`policy "p" version "1.0.0"\ninput { ${input}, ys: list<int>(5000) }\npermit p when ${rule}\n`, { stopAfter: "cost", maxCost: 1e12 });
    return r.costBound!;
  };

  it("of a list or map reads its count, whatever its bound", async () => {
    // each engine reads a count (a load, .length or .size); counted as the bound, this policy was
    // refused at 500,035,003 while a decision took 26 µs
    const text = `policy "size" version "1.0.0"\ninput {\n  xs: list<int>(100000)\n  ys: list<int>(5000)\n}\npermit p when ys.exists(y, size(xs) == y)\n`;
    const r = await compilePolicy(text, { stopAfter: "cost" });
    expect(r.diagnostics).toEqual([]);
    expect(r.costBound).toBeLessThan(5000 * 10);
    expect(await cost("xs: list<int>(100000)", "ys.exists(y, size(xs) == y)")).toBe(await cost("xs: list<int>(1)", "ys.exists(y, size(xs) == y)"));
    // a map's check (its keys' order) is counted once a decision, not once a turn
    const big = await cost("m: map<string(8), int>(100000)", "ys.exists(y, size(m) == y)");
    const small = await cost("m: map<string(8), int>(1)", "ys.exists(y, size(m) == y)");
    expect(big - small).toBeLessThan(100000 * 20);
  });

  it("of a string counts its bytes, which it scans for code points", async () => {
    expect(await cost("s: string(100000)", "ys.exists(y, size(s) == y)")).toBeGreaterThanOrEqual(5000 * 100000);
  });
});

describe("the number of rules", () => {
  it("is at most 20,000 in one policy, refused at the first one over", async () => {
    const rules = (n: number) => Array.from({ length: n }, (_, i) => `permit r${i} when n == ${i}`).join("\n");
    const over = await compilePolicy(`policy "p" version "1"\ninput { n: int }\n${rules(20_001)}\n`, { stopAfter: "check" });
    expect(over.diagnostics.map((d) => [d.code, d.message])).toEqual([["W0504", "the policy has 20,001 rules, more than the 20,000 a module may hold"]]);
    const text = `policy "p" version "1"\ninput { n: int }\n${rules(20_001)}\n`;
    expect(text.slice(over.diagnostics[0]!.span.start).startsWith("permit r20000 ")).toBe(true);
    // at the rule's keyword, as W0503, not at annotations before it
    const annotated = await compilePolicy(`policy "p" version "1"\ninput { n: int }\n${rules(20_000)}\n@reason("one too many")\nforbid last\n`, { stopAfter: "check" });
    expect(annotated.diagnostics.map((d) => d.code)).toEqual(["W0504"]);
    expect(annotated.source.text.slice(annotated.diagnostics[0]!.span.start)).toBe("forbid last\n");
    const at = await compilePolicy(`policy "p" version "1"\ninput { n: int }\n${rules(20_000)}\n`, { stopAfter: "check" });
    expect(at.diagnostics).toEqual([]);
  });
});
