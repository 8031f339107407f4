// A call refused for its function or its number of arguments still has its receiver and arguments
// checked: their own errors come in the same run, in order of position, and nothing that follows
// only from the refusal (an argument's type, a comprehension's variable) is reported besides.

import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";

const head = `policy "t" version "1.0.0"\ninput { s: string, l: list<int>(4), m: map<string, int>(4), n: int }\n`;
const diagnostics = async (condition: string) =>
  (await compilePolicy(`${head}permit p when ${condition}\n`, { stopAfter: "check" })).diagnostics.map((d) => `${d.code} ${d.message}`);

const FLOAT = "W0401 floating point is not supported (nondeterministic across engines and a trap for money): use int, e.g. integer cents";
const UINT = "W0401 unsigned integers (`1u`) are not supported: use int";

describe("a refused call", () => {
  it.each([
    ["foo.startsWith('a')", ["W0204 unknown name `foo`"]],
    ["foo.contains('a', 'b')", ["W0204 unknown name `foo`", "W0306 `contains` does not take 2 arguments as a method"]],
    ["foo.bar(1) == 1", ["W0204 unknown name `foo`", "W0309 unknown function `bar`"]],
    ["sets.contains([1], [1])", ["W0204 unknown name `sets`", "W0306 `contains` does not take 2 arguments as a method"]],
    ["s.contains(nope, 1.5)", ["W0306 `contains` does not take 2 arguments as a method", "W0204 unknown name `nope`", FLOAT]],
    ["frob(nope, 1u) == 1", ["W0309 unknown function `frob`", "W0204 unknown name `nope`", UINT]],
    ["s.lowerAscii(nope) == 1.5", ["W0401 the string extension `lowerAscii` is not supported", "W0204 unknown name `nope`", FLOAT]],
    [".f(nope, 1u)", ["W0401 absolute names (`.name`) are not supported", "W0204 unknown name `nope`", UINT]],
    ["nope.has(1u)", ["W0204 unknown name `nope`", "W0308 `has` is not a method: it takes one field selection, like `has(context.ticket)`", UINT]],
    ["has(s, 1u)", ["W0308 `has()` takes one field selection, like `has(context.ticket)`", UINT]],
    ["startsWith(s, nope)", ["W0306 `startsWith` is written as a method of the string: `s.startsWith(prefix)`", "W0204 unknown name `nope`"]],
  ])("%s reports the errors inside it too", async (condition, expected) => {
    expect(await diagnostics(condition)).toEqual(expected);
  });

  it.each([
    ["all(l, x, x > nope)", ["W0307 `all` is written as a method of the list or map it iterates over: `l.all(x, …)`", "W0204 unknown name `nope`"]],
    ["m.all(k, v, v > nope)", ["W0307 `all` takes 2 arguments: a variable name and a predicate", "W0204 unknown name `nope`"]],
    ["n.all(x, x > nope)", ["W0307 `all` iterates over a list or a map, but this is `int`", "W0204 unknown name `nope`"]],
    ["nope.all(x, x > 1.5)", ["W0204 unknown name `nope`", FLOAT]],
    ["l.map(x, x > 0, x, 1.5) == [1]", ["W0307 `map` takes 2 or 3 arguments: a variable name and [a predicate and] a transform", FLOAT]],
  ])("%s checks a macro's arguments with its variables bound", async (condition, expected) => {
    expect(await diagnostics(condition)).toEqual(expected);
  });

  it.each([
    ["l.exist(x, x > 0)", ["W0309 unknown function `exist`"]],
    ["l.all(x)", ["W0307 `all` takes 2 arguments: a variable name and a predicate"]],
    ["l.transformList(i, v, v * 2) == [1]", ["W0401 the two-variable comprehension `transformList` is not supported"]],
    ["frob(n, n + 's') == 1", ["W0309 unknown function `frob`"]],
    ["m.has(t)", ["W0308 `has` is not a method: it takes one field selection, like `has(context.ticket)`"]],
    ["has(m.?a)", ["W0308 `has()` takes one field selection, like `has(context.ticket)`"]],
    ["l.all(1, x > 0)", ["W0307 the first argument of `all` must be a variable name"]],
  ])("%s reports nothing that follows from the refusal", async (condition, expected) => {
    expect(await diagnostics(condition)).toEqual(expected);
  });
});
