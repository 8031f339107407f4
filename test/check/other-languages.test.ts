// Names other languages give to Writ's types, literals and functions (`integer`, `True`, `len(x)`,
// `x.length`): each is reported as before, with Writ's own name in its help.

import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";

const help = async (text: string) => (await compilePolicy(text, { stopAfter: "check" })).diagnostics.map((d) => `${d.code} ${d.help ?? ""}`);
const withInput = (input: string, rule = "permit p when true") => `policy "o" version "1"\ninput { ${input} }\n${rule}\n`;
const withRule = (rule: string) => withInput("n: int, l: list<int>(4), s: string(8), m: map<string, int>", rule);

describe("a type another language names", () => {
  const INT = "did you mean `int`? Writ's one number type is `int` (64-bit, signed)";
  const LIST = "did you mean `list<T>`? (a list of one type, like `list<string>`; `list<T>(N)` for at most N elements)";
  const MAP = "did you mean `map<string, T>` (string keys to values of one type) or a record `{ name: type, … }` (its fields named in advance)?";
  it.each([
    ["integer", INT],
    ["Integer", INT],
    // Writ's own names in another case
    ["INT", INT],
    ["Int", INT],
    ["BOOL", "did you mean `bool`?"],
    ["STRING", "did you mean `string`? (`string(N)` for at most N UTF-8 bytes)"],
    ["number", INT],
    ["long", INT],
    ["i64", INT],
    ["boolean", "did you mean `bool`?"],
    ["str", "did you mean `string`? (`string(N)` for at most N UTF-8 bytes)"],
    ["text", "did you mean `string`? (`string(N)` for at most N UTF-8 bytes)"],
    ["array", LIST],
    ["vector", LIST],
    ["List", LIST],
    ["dict", MAP],
    ["object", MAP],
    ["record", MAP],
    ["decimal", "floating point and decimals are not supported: use int (for money, integer cents)"],
    ["datetime", "dates and times are not supported: pass time as int (e.g. seconds since the epoch)"],
    // the closest of Writ's names, or the list of them, as before
    ["strin", "did you mean `string`?"],
    ["frob", "types are bool, int, string, list<T>, map<string, T> and records { ... }"],
  ])("`%s` is an unknown type told Writ's", async (type, said) => {
    expect(await help(withInput(`x: ${type}`))).toEqual([`W0301 ${said}`]);
  });

  it("as a map's key is told a map's keys are strings, not the name of a type no key may have", async () => {
    expect(await help(withInput("x: map<integer, string>"))).toEqual(["W0301 a map's keys are strings: `map<string, T>`"]);
    expect(await help(withInput("x: map<Str, int>"))).toEqual(["W0301 a map's keys are strings: `map<string, T>`"]);
  });

  it.each([
    ["double", "floating point is not supported: use int (for money, integer cents)"],
    ["float", "floating point is not supported: use int (for money, integer cents)"],
    ["Double", "floating point is not supported: use int (for money, integer cents)"],
    ["timestamp", "timestamps are not supported: pass time as int (e.g. seconds since the epoch)"],
    ["duration", "durations are not supported: pass them as int (e.g. seconds)"],
  ])("`%s` is a type outside the subset (W0401), told what to use", async (type, said) => {
    const [d] = (await compilePolicy(withInput(`x: ${type}`), { stopAfter: "check" })).diagnostics;
    expect([d!.code, d!.message]).toEqual(["W0401", `type \`${type}\` is outside Writ's subset: ${said}`]);
  });
});

describe("a literal another language writes", () => {
  it.each([
    ["True", "did you mean `true`? (the bool literals are `true` and `false`, in lowercase)"],
    ["TRUE", "did you mean `true`? (the bool literals are `true` and `false`, in lowercase)"],
    ["False", "did you mean `false`? (the bool literals are `true` and `false`, in lowercase)"],
    ["None", "null is not supported: use an optional field and `has()`"],
    ["nil", "null is not supported: use an optional field and `has()`"],
  ])("`%s` is an unknown name told Writ's", async (name, said) => {
    expect(await help(withRule(`permit p when n > 0 == ${name}`))).toEqual([`W0204 ${said}`]);
  });

  it("is the policy's own name where the policy declares it", async () => {
    expect(await help(withInput("True: bool", "permit p when True"))).toEqual([]);
    expect(await help(withRule("let TRUE = true\npermit p when TRUE"))).toEqual([]);
  });
});

describe("a length written another language's way", () => {
  const size = (x: string) => `did you mean \`size(${x})\`? (a string's, list's or map's length is \`size\`, also written as a method: \`x.size()\`)`;
  it.each([
    ["len(l) > 0", "W0309", size("l")],
    ["length(s) > 0", "W0309", size("s")],
    ["l.count() > 0", "W0309", size("l")],
    ["s.length() > 0", "W0309", size("s")],
    ["l.length > 0", "W0305", size("l")],
    ["s.len > 0", "W0305", size("s")],
    ["l.size > 0", "W0305", size("l")],
    ["len(l + l) > 0", "W0309", size("…")],
    // counting the elements that hold is the size of a filter
    ["l.count(x, x > 1) > 0", "W0309", "did you mean `size(l.filter(x, …))`? (the elements for which the condition holds)"],
  ])("`%s` is told `size`", async (rule, code, said) => {
    expect(await help(withRule(`permit p when ${rule}`))).toEqual([`${code} ${said}`]);
  });

  it("is a key of a map, as in CEL", async () => {
    expect(await help(withRule("permit p when m.length > 0"))).toEqual([]);
  });
});

describe("a macro another language names", () => {
  it.each([
    ["l.some(x, x > 1)", "did you mean `exists`? (`l.exists(x, …)`, with a variable and a condition on it)"],
    ["l.any(x, x > 1)", "did you mean `exists`? (`l.exists(x, …)`, with a variable and a condition on it)"],
    ["l.every(x, x > 1)", "did you mean `all`? (`l.all(x, …)`, with a variable and a condition on it)"],
    ["l.includes(1)", "did you mean `in`? (`x in list`, `key in map`; for text, `s.contains(t)`)"],
  ])("`%s` is told Writ's", async (rule, said) => {
    expect(await help(withRule(`permit p when ${rule}`))).toEqual([`W0309 ${said}`]);
  });
});

describe("a list's membership written as another language's method", () => {
  it.each([
    ["l.contains(1)", "a list's elements are tested with `in`: `1 in l` (`contains` is a string's method)"],
    ["l.contains(n + 1)", "a list's elements are tested with `in`: `(n + 1) in l` (`contains` is a string's method)"],
    ['m.contains("k")', 'a map\'s keys are tested with `in`: `"k" in m` (`contains` is a string\'s method)'],
  ])("`%s` is told `in`", async (rule, said) => {
    expect(await help(withRule(`permit p when ${rule}`))).toEqual([`W0306 ${said}`]);
  });

  it("is CEL's own method of a string", async () => {
    expect(await help(withRule('permit p when s.contains("a")'))).toEqual([]);
  });
});

describe("a macro called as a function by another language's name", () => {
  it.each([
    ["any(l, x > 1)", "did you mean `exists`? (`l.exists(x, …)`, with a variable and a condition on it)"],
    ["some(l, x, x > 1)", "did you mean `exists`? (`l.exists(x, …)`, with a variable and a condition on it)"],
    ["every(l, y > n)", "did you mean `all`? (`l.all(y, …)`, with a variable and a condition on it)"],
  ])("`%s` is told the macro on its own list, and its variable is no unknown name", async (rule, said) => {
    expect(await help(withRule(`permit p when ${rule}`))).toEqual([`W0309 ${said}`]);
  });

  it("still has its list and condition checked for their own errors", async () => {
    const { diagnostics } = await compilePolicy(withRule("permit p when any(nope, x > 1 && z)"), { stopAfter: "check" });
    expect(diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["W0309", "unknown function `any`"],
      ["W0204", "unknown name `nope`"],
      ["W0204", "unknown name `z`"],
    ]);
  });
});

describe("the names in scope an unknown name is told", () => {
  it("list each name once, though a macro's variable hides a field of that name", async () => {
    const { diagnostics } = await compilePolicy(withRule("permit p when l.exists(l, x > 1)"), { stopAfter: "check" });
    expect(diagnostics.map((d) => d.help)).toEqual(["names in scope: `l`, `n`, `s`, `m`"]);
  });
});

describe("a negation written `not(…)`, as Python writes it", () => {
  it.each([
    ["not (n in l)", "Writ negates with `!`: write `!(…)`"],
    ["not(b)", "Writ negates with `!`: write `!b`"],
  ])("`%s` is told `!`", async (rule, said) => {
    expect(await help(withInput("n: int, l: list<int>(4), b: bool", `permit p when ${rule}`))).toEqual([`W0309 ${said}`]);
  });
});
