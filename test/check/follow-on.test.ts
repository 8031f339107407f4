// A declaration whose value or condition the parser refused is still declared: its uses are not
// reported again as names that do not exist.

import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { MAX_NESTING } from "../../compiler/syntax/index.js";

const head = `policy "d" version "1"\ninput { a: int }\n`;
const codes = async (text: string) => (await compilePolicy(text, { stopAfter: "check" })).diagnostics.map((d) => `${d.code} ${d.message}`);

describe("a declaration nested too deep", () => {
  it("is a rule a test may name", async () => {
    const deep = "(".repeat(MAX_NESTING + 1) + "a > 1" + ")".repeat(MAX_NESTING + 1);
    expect(await codes(`${head}permit deep when ${deep}\ntest "t" { input { a: 5 } expect allow by [deep] }\n`)).toEqual([
      `W0104 nested more than ${MAX_NESTING} levels deep`,
    ]);
  });

  it("is a constant a rule may read", async () => {
    const deep = "[".repeat(MAX_NESTING + 1) + "1" + "]".repeat(MAX_NESTING + 1);
    expect(await codes(`${head}let X = ${deep}\npermit p when a == 1 && size(X) == 1\n`)).toEqual([`W0104 nested more than ${MAX_NESTING} levels deep`]);
  });

  it("is still a name declared twice when it is", async () => {
    const deep = "[".repeat(MAX_NESTING + 1) + "1" + "]".repeat(MAX_NESTING + 1);
    const found = await codes(`${head}let X = ${deep}\nlet X = 1\npermit p when a == X\n`);
    expect(found).toContain(`W0104 nested more than ${MAX_NESTING} levels deep`);
    expect(found.some((m) => m.includes("`X` is already declared"))).toBe(true);
  });

  it("is an input block whose shallow fields are still declared and typed, and whose deep field is declared", async () => {
    const deep = "{ x: ".repeat(MAX_NESTING) + "int" + " }".repeat(MAX_NESTING);
    const text = `policy "d" version "1"\ninput {\n  a: ${deep}\n  b: int, c?: { y: list<string>(3) }\n}\n`;
    // uses of every field raise nothing more, the deep one's included (`has` too)
    expect(await codes(`${text}permit p when b > 1 && a.x.x > 2 && has(a) && has(c.y) && size(c.y) == 1\n`)).toEqual([
      `W0104 nested more than ${MAX_NESTING} levels deep`,
    ]);
    // the shallow fields keep their types: a type error in their use is still reported
    const typed = await codes(`${text}permit p when b > "s" && c.y == 1\n`);
    expect(typed[0]).toBe(`W0104 nested more than ${MAX_NESTING} levels deep`);
    expect(typed.slice(1).map((m) => m.slice(0, 5))).toEqual(["W0306", "W0305"]);
    // names that are declared nowhere are still unknown, and a constant may not take a field's name
    const other = await codes(`${text}let a = 1\npermit p when q\n`);
    expect(other).toContain("W0203 `a` is already declared as an input field");
    expect(other).toContain("W0204 unknown name `q`");
  });
});

describe("a bytes literal where the header wants text", () => {
  it("is reported once, as one (W0108), not again as an empty policy name", async () => {
    expect(await codes('policy b"t" version "1"\ninput { a: int }\npermit p when a > 1\n')).toEqual(['W0108 expected a string, found the bytes literal `b"t"`']);
    // a name that is text and still cannot name the files is reported as before
    expect((await codes('policy "../t" version "1"\ninput { a: int }\npermit p when a > 1\n')).map((m) => m.slice(0, 5))).toEqual(["W0208"]);
  });
});

describe("a field the parser refused in the input block", () => {
  const policy = (input: string, rest = "permit p when c == 1\n") => `policy "d" version "1"\n${input}\n${rest}`;

  it("is skipped to the next `,` or `}`: the fields after it are declared", async () => {
    expect(await codes(policy("input { a: int = 5, c: int }"))).toEqual(["W0101 expected `,` or `}` after field `a`, found `=`"]);
    // however deep the rest of the field is bracketed (the `,` of a bound is not the record's)
    expect(await codes(policy("input { a: { x: int, y: map<string, int>(3, 4) }, c: int }", "permit p when c == 1 && a.x == 1\n"))).toEqual([
      "W0101 expected `)`, found `,`",
    ]);
    // and at any depth, the record's own later fields included
    expect(await codes(policy("input { a: { x: int = [1, {2}], y: int }, c: int }", "permit p when c == a.y\n"))).toEqual([
      "W0101 expected `,` or `}` after field `x`, found `=`",
    ]);
  });

  it("ends at a `<` that starts no type arguments, and at a `,` before the next field when its brackets were left open", async () => {
    // `< 5` is stray text after `a: int`: both fields are declared and typed
    expect(await codes(policy("input { a: int < 5, c: int }", "permit p when c == 1 && a > 2\n"))).toEqual(["W0101 expected `,` or `}` after field `a`, found `<`"]);
    expect((await codes(policy("input { a: int < 5, c: int }", "permit p when c == 1 && a == 's'\n"))).map((m) => m.slice(0, 5))).toEqual(["W0101", "W0305"]);
    // `list` and `map` take `<` whatever follows it: the argument is what is missing
    expect(await codes(policy("input { a: list<5>, c: int }", "permit p when c == 1 && size(a) > 2\n"))).toEqual(["W0101 expected `{` or an identifier, found `5`"]);
    // a `<` or a bound's `(` left open: the next field is still one
    expect(await codes(policy("input { a: list<string, c: int }", "permit p when c == 1 && size(a) > 2\n"))).toEqual(["W0101 expected `>`, found `,`"]);
    expect(await codes(policy("input { a: map<string, list<int>, c: int }"))).toEqual(["W0101 expected `>`, found `,`"]);
    expect(await codes(policy("input { a: list<{ y: int }>(3, c: int }"))).toEqual(["W0101 expected `)`, found `,`"]);
  });

  it("is declared untyped when the parser repaired it: its guessed type and its uses are not reported", async () => {
    // the parser reads `e ok: int` as `e: ok` (a `:` inserted), then skips `: int`
    expect(await codes(policy("input {\n  e ok: int\n  c: int\n}", "permit p when c == 1 && e > 2 && e.x == 'y'\n"))).toEqual(["W0101 expected `:`, found `ok`"]);
    // a wrong count of type arguments the parser could not read is not reported again
    expect(await codes(policy("input { a: map<string int>, c: int }", "permit p when c == 1 && size(a) > 2\n"))).toEqual(["W0101 expected `>`, found `int`"]);
    // a count the parser read whole is
    expect(await codes(policy("input { a: map<string, int, int>, c: int }"))).toEqual(["W0110 `map` takes 2 type arguments: `map<K, V>`"]);
  });

  it("is reported once where a field should start, each time after a `,`", async () => {
    expect(await codes(policy("input { a: { `x y`: int, z: int }, c: int }", "permit p when c == a.z\n"))).toEqual([
      // (the quoted name shown as written, backticks and all)
      "W0101 expected a field name or `}`, found `` `x y` ``",
    ]);
    expect(await codes(policy("input { 1, 2, c: int,, { d: int } }"))).toEqual([
      "W0101 expected a field name or `}`, found `1`",
      "W0101 expected a field name or `}`, found `2`",
      "W0101 expected a field name or `}`, found `,`",
    ]);
  });

  it("gets the `==` hint only where an expression is read", async () => {
    const helps = async (text: string) => (await compilePolicy(text, { stopAfter: "check" })).diagnostics.filter((d) => d.code === "W0101").map((d) => d.help);
    expect(await helps(policy("input { a: int = 5, c: int }"))).toEqual([undefined]);
    expect(await helps(policy("input { a: = 5, c: int }"))).toEqual([undefined]);
    expect(await helps(policy("input { c: int }", "permit p when c = 1\n"))).toEqual(["compare with `==`"]);
    expect(await helps(policy("input { c: int }", "permit p when [c = 1]\n"))).toEqual(["compare with `==`"]);
    expect(await helps(policy("input { c: int }", "let X = 1 = 2\npermit p when c == X\n"))).toEqual(["compare with `==`"]);
    expect(await helps(policy("input { c: int }", "let = 2\npermit p when c == 1\n"))).toEqual([undefined]);
  });
});

describe("text where a declaration must start", () => {
  const stray = "W0113 expected a declaration (`input`, `let`, `permit`, `forbid` or `test`), found `garbage`";

  it("before the header is not a declaration the header follows", async () => {
    expect(await codes(`garbage\npolicy "d" version "1"\ninput { a: int }\npermit p when a == 1\n`)).toEqual([stray]);
    // a declaration before the header still is
    expect((await codes(`permit q\npolicy "d" version "1"\n`)).map((m) => m.slice(0, 5))).toEqual(["W0106"]);
  });

  it("is one diagnostic wherever it stands: after the header, the input block or a test", async () => {
    expect(await codes(`policy "d" version "1" garbage\ninput { a: int }\npermit p when a == 1\n`)).toEqual([stray]);
    expect(await codes(`policy "d" version "1"\ninput { a: int } garbage\npermit p when a == 1\n`)).toEqual([stray]);
    expect(await codes(`policy "d" version "1"\ninput { a: int }\npermit p when a == 1\ntest "t" { input { a: 1 } expect allow } garbage\n`)).toEqual([stray]);
  });
});

describe("a declaration with a syntax error", () => {
  const input = `policy "d" version "1"\ninput { p: { n: int, s: string, roles: list<string>, o?: int } }\n`;
  const said = async (text: string) =>
    (await compilePolicy(input + text, { stopAfter: "check" })).diagnostics.map((d) => `${d.code} ${d.message}${d.help === undefined ? "" : ` (help: ${d.help})`}`);
  const nonAscii = "W0105 unexpected character `é` (help: a name is written with ASCII letters, digits and `_`; other text goes in a string)";

  it("gives the syntax error alone, not first a type error in what recovery made of the rest", async () => {
    const compare = "W0101 expected an operator or a new declaration, found `=` (help: compare with `==`)";
    expect(await said("permit r when p.n = 1\n")).toEqual([compare]);
    expect(await said(`permit r when p.n == 1 && p.s = "a"\n`)).toEqual([compare]);
    expect(await said(`permit r when p.roles.exists(x, x = "a")\n`)).toEqual(["W0101 expected `)`, found `=` (help: compare with `==`)"]);
    // a name outside ASCII is one name, said once each: the text around it parses as written
    expect(await said(`permit r when p.roles.exists(é, é == "a")\n`)).toEqual([nonAscii, nonAscii]);
    // where no name may stand, it is that name alone that is reported
    expect(await said("permit r when p.n == 1 é\n")).toEqual([nonAscii]);
    expect(await said("permit r when p.s == résumé\n")).toEqual([
      "W0105 unexpected character `é` in the name `résumé` (help: a name is written with ASCII letters, digits and `_`; other text goes in a string)",
    ]);
    // a logical operator spelled as a word is the operator it was meant to be, said once
    expect(await said(`permit r when p.roles.exists(x, x == "a" or x == "b")\n`)).toEqual(["W0101 expected an operator, found `or` (help: write `||` for `or`)"]);
    expect(await said("permit r when p.n == 1 and p.n == 2\n")).toEqual([
      "W0101 expected an operator or a new declaration, found `and` (help: write `&&` for `and`)",
    ]);
  });

  it("leaves a rule declared, a test may name it", async () => {
    expect(await said(`permit r when p.n = 1\ntest "t" { input { p: { n: 1, s: "a", roles: [] } } expect allow by [r] }\n`)).toEqual([
      "W0101 expected an operator or a new declaration, found `=` (help: compare with `==`)",
    ]);
  });

  it("leaves a constant declared, its uses not reported again", async () => {
    expect(await said("let X = p.n = 1\npermit r when X\n")).toEqual(["W0101 expected an operator or a new declaration, found `=` (help: compare with `==`)"]);
    expect(await said(`let X = 1 = 2\npermit r when X == "a"\n`)).toEqual(["W0101 expected an operator or a new declaration, found `=` (help: compare with `==`)"]);
  });

  it("leaves the other declarations' genuine errors reported", async () => {
    const found = await said(`permit r when p.n = 1\npermit q when p.n == "a"\nlet Y = "a" - 1\n`);
    expect(found).toEqual([
      "W0101 expected an operator or a new declaration, found `=` (help: compare with `==`)",
      "W0305 cannot compare `int` with `string`",
      "W0306 no overload of `-` for (`string`, `int`)",
    ]);
    // an error that points at the next declaration is its own declaration's: the next one is checked
    expect(await said(`permit r when p.n ==\npermit q when p.n == "a"\n`)).toEqual([
      "W0101 expected an expression, found `permit` (help: the `==` at 3:19 has nothing on its right: a condition ends where the next declaration starts)",
      "W0305 cannot compare `int` with `string`",
    ]);
    // a stray character after a declaration is that declaration's
    expect(await said(`permit r when p.n == "b" $\npermit q when p.n == "a"\n`)).toEqual([
      "W0105 unexpected character `$`",
      "W0305 cannot compare `int` with `string`",
    ]);
  });
});

describe("CEL's optional list elements and map entries", () => {
  const input = `policy "d" version "1"\ninput { p: { n: int, o?: int } }\n`;
  const said = async (condition: string) =>
    (await compilePolicy(`${input}permit r when ${condition}\n`, { stopAfter: "check" })).diagnostics.map((d) => `${d.code} ${d.message}`);
  const optional = "W0401 optional list elements and map entries (`[?x]`, `{?k: v}`) are not supported";

  it("are named as the optional syntax they are, once, not read as a `?:`", async () => {
    expect(await said(`{?"a": p.o}.size() == 1`)).toEqual([optional]);
    expect(await said("[1, ?p.o].size() == 1")).toEqual([optional]);
    expect(await said("[?p.o].size() == 1")).toEqual([optional]);
    expect(await said("[?p.o, ?p.n] == [1]")).toEqual([optional]);
    // as the other optional syntax is
    expect(await said("p.?o == 1")).toEqual(["W0401 optional field and index syntax (`.?`, `[?]`) is not supported"]);
  });

  it("leave a `?:` in a list or a map a `?:`", async () => {
    expect(await said("[p.n > 1 ? 1 : 2] == [1]")).toEqual([]);
    expect(await said(`{"a": p.n > 1 ? 1 : 2}["a"] == 1`)).toEqual([]);
  });
});
