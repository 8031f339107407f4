// Messages for names a condition or constant cannot use, and for calls written in a form Writ does
// not take: each says what is wrong with the name or call as written, not what it resembles.

import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";

const head = `policy "n" version "1"\ninput { a: int, l: list<int>(4), s: string(8), r: { t: list<int>(4) } }\n`;
const found = async (text: string) =>
  (await compilePolicy(`${head}${text}`, { stopAfter: "check" })).diagnostics.map((d) => `${d.code} ${d.message}${d.help ? ` (${d.help})` : ""}`);

describe("a constant's value", () => {
  it("that uses the constant itself says so", async () => {
    expect(await found("let K = K + 1\npermit p when a == 1\n")).toEqual([
      "W0204 constant `K` refers to itself (a constant may use only the constants declared before it)",
    ]);
  });

  it("that uses a constant declared after it says so", async () => {
    expect(await found("let L = M\nlet M = 2\npermit p when a == M\n")).toEqual([
      "W0204 constant `M` is declared after `L` (a constant may use only the constants declared before it: declare `M` first)",
    ]);
    // one declared before it, under the same name too, is used as before
    expect(await found("let M = 1\nlet L = M\npermit p when a == L\n")).toEqual([]);
  });
});

describe("an unknown name", () => {
  it("is not offered a constant whose declaration failed", async () => {
    expect(await found("let K = K + 1\nlet AB = 1\npermit p when Kx == 1 && K == 1\n")).toEqual([
      "W0204 constant `K` refers to itself (a constant may use only the constants declared before it)",
      "W0204 unknown name `Kx` (names in scope: `AB`, `a`, `l`, `s`, `r`)",
    ]);
    expect(await found("let AB = q\npermit p when AC == 1\n")).toEqual(["W0204 unknown name `q`", "W0204 unknown name `AC` (names in scope: `a`, `l`, `s`, `r`)"]);
  });

  it("in a constant's value is not offered a field of the request, which a constant may not read", async () => {
    expect(await found("let B = 1\nlet C = aa + b\npermit p when a == 1\n")).toEqual(["W0204 unknown name `aa` (names in scope: `B`)", "W0204 unknown name `b` (did you mean `B`?)"]);
  });
});

describe("an unknown field", () => {
  it("of a record with no fields is told so, not given an empty list of its fields", async () => {
    const diagnostics = (await compilePolicy(`policy "n" version "1"\ninput { agent: {} }\npermit p when agent.x == 1\n`, { stopAfter: "check" })).diagnostics;
    expect(diagnostics.map((d) => `${d.code} ${d.message} (${d.help})`)).toEqual(["W0205 no field `x` in `agent` (it is a record with no fields)"]);
  });
});

describe("a macro given its condition alone", () => {
  it("is said to take a variable and a condition, once: the condition's names are the variable it meant", async () => {
    expect(await found('permit p when r.t.exists(t == 2) && l.all(x > 0)\n')).toEqual([
      '`exists` takes a variable and a condition, not the condition alone: `r.t.exists(t, …)` (the variable names each element in turn: `roles.exists(r, r == "operator")`)',
      '`all` takes a variable and a condition, not the condition alone: `l.all(x, …)` (the variable names each element in turn: `roles.all(r, r == "operator")`)',
    ].map((m) => `W0307 ${m}`));
    // a name in scope is not the variable: the first one that is not, or `x`
    expect(await found("permit p when l.exists_one(a + y == 1) || size(l.filter(a > 1)) > 0\n")).toEqual([
      '`exists_one` takes a variable and a condition, not the condition alone: `l.exists_one(y, …)` (the variable names each element in turn: `roles.exists_one(r, r == "operator")`)',
      '`filter` takes a variable and a condition, not the condition alone: `l.filter(x, …)` (the variable names each element in turn: `roles.filter(r, r == "operator")`)',
    ].map((m) => `W0307 ${m}`));
    expect(await found('permit p when size(l.map(v * 2)) > 0\n')).toEqual([
      'W0307 `map` takes a variable and a transform (a condition before it, to keep only some elements), not the transform alone: `l.map(v, …)` (the variable names each element in turn: `names.map(n, n + "@example.com")`)',
    ]);
  });

  it("written as a function is told the method form, with neither list nor variable reported again", async () => {
    expect(await found('permit p when exists(t == "pii")\n')).toEqual([
      'W0307 `exists` is written as a method of the list or map it iterates over, with a variable and a condition: `list.exists(t, …)` (the variable names each element in turn: `roles.exists(r, r == "operator")`)',
    ]);
  });

  it("given a literal too long to spread into a call's arguments, is still told so, not that the stack ran out", async () => {
    // 140,000 elements (within the token limit): as push's arguments, more than the stack holds (runtime/arrays.ts)
    const zeros = new Array(140_000).fill("0").join(",");
    for (const condition of [`l.exists([${zeros}])`, `l.exists(f(${zeros}))`]) {
      const codes = (await found(`permit p when ${condition}\n`)).map((d) => d.slice(0, 5));
      expect(codes).toContain("W0307");
      expect(codes).not.toContain("W0905");
    }
  });

  it("still has its range checked, and a bare name is still the variable, given no condition", async () => {
    expect(await found("permit p when r.u.exists(t == 2)\n")).toEqual([
      "W0307 `exists` takes a variable and a condition, not the condition alone: `r.u.exists(t, …)` (the variable names each element in turn: `roles.exists(r, r == \"operator\")`)",
      "W0205 no field `u` in `r` (its fields are `t`)",
    ]);
    expect(await found("permit p when l.exists(x)\n")).toEqual(["W0307 `exists` takes 2 arguments: a variable name and a predicate"]);
  });
});

describe("a method called as a function", () => {
  it("is said to be a method, in the form it takes", async () => {
    expect(await found("permit p when all(l, x, x > 0)\n")).toEqual(["W0307 `all` is written as a method of the list or map it iterates over: `l.all(x, …)`"]);
    expect(await found("permit p when exists(r.t, y, true) || exists_one(l, y, true) || size(filter([1], z, true)) > 0 || map(l) == l\n")).toEqual([
      "W0307 `exists` is written as a method of the list or map it iterates over: `r.t.exists(y, …)`",
      "W0307 `exists_one` is written as a method of the list or map it iterates over: `l.exists_one(y, …)`",
      "W0307 `filter` is written as a method of the list or map it iterates over: `list.filter(z, …)`",
      "W0307 `map` is written as a method of the list or map it iterates over: `l.map(x, transform)`",
    ]);
    expect(await found('permit p when startsWith(s, "a") || endsWith(s) || contains()\n')).toEqual([
      "W0306 `startsWith` is written as a method of the string: `s.startsWith(prefix)`",
      "W0306 `endsWith` is written as a method of the string: `s.endsWith(suffix)`",
      "W0306 `contains` is written as a method of the string: `s.contains(text)`",
    ]);
  });

  it("and `has`, a function, called as a method, is said not to be one", async () => {
    expect(await found("permit p when r.has(t)\n")).toEqual(["W0308 `has` is not a method: it takes one field selection, like `has(context.ticket)`"]);
    // the forms Writ takes are unchanged
    expect(await found("permit p when l.all(x, x > 0) && has(r.t) && s.startsWith(\"a\") && size(l) == l.size()\n")).toEqual([]);
  });
});

describe("`has()` of a bare name that is no field of the input", () => {
  const TESTS = "`has()` tests a field of the input or of a record";

  it("says it is a macro's variable, and whether it hides the input field of its name", async () => {
    expect(await found("permit p when l.exists(a, has(a)) || l.all(x, has(x))\n")).toEqual([
      `W0308 \`a\` here is a macro's variable, not a field: ${TESTS} (the variable hides the input field \`a\`: give the variable another name to test the field)`,
      `W0308 \`x\` here is a macro's variable, not a field: ${TESTS} (to test a field of the variable, select it: \`has(x.f)\`)`,
    ]);
  });

  it("says it is a constant, in a rule or in another constant's value (one declared after it too)", async () => {
    expect(await found("let K = 1\nlet L = has(M)\nlet M = 2\npermit p when has(K)\n")).toEqual([
      `W0308 \`M\` is a constant, not a field: ${TESTS}`,
      `W0308 \`K\` is a constant, not a field: ${TESTS}`,
    ]);
  });

  it("says an unknown name is unknown, once, offering the input's fields", async () => {
    expect(await found("permit p when has(aa) || has(zzzz)\n")).toEqual([
      `W0308 unknown name \`aa\`: ${TESTS} (did you mean \`a\`?)`,
      `W0308 unknown name \`zzzz\`: ${TESTS} (the input's fields are \`a\`, \`l\`, \`s\`, \`r\`)`,
    ]);
  });

  it("leaves a field of the input, bare, as the presence test it is", async () => {
    expect(await found("permit p when has(a) && l.exists(x, has(a) && has(r.t))\n")).toEqual([]);
  });
});
