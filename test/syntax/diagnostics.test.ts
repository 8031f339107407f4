// Syntax errors: every error of a file in one run, codes and messages in the house style, spans on
// the culprit, and the declarations around a broken one still parsed.

import { describe, expect, it } from "vitest";
import { renderDiagnostics } from "../../compiler/diagnostics.js";
import { MAX_EXPR_DEPTH, MAX_NESTING, parseExpression, parsePolicy } from "../../compiler/syntax/index.js";
import { W } from "../../compiler/syntax/diagnostic-codes.js";

function diag(text: string) {
  const r = parsePolicy({ name: "bad.writ", text });
  return { ...r, list: r.diagnostics.map((d) => ({ code: d.code, message: d.message, at: text.slice(d.span.start, d.span.end) })) };
}

describe("syntax errors", () => {
  it("reports every broken declaration in one run and keeps the rest", () => {
    const text = [
      `policy "p" version "1"`,
      `let = 5`,
      `permit ok when a > 1`,
      `permit bad == 1`,
      `forbid f when a + * 2`,
      `forbid g when if > 2`,
      `test "t" { input { a: 1 } expect maybe }`,
      `permit last when a > 0`,
    ].join("\n");
    const r = diag(text);
    expect(r.list).toEqual([
      { code: "W0101", message: "expected an identifier, found `=`", at: "=" },
      { code: "W0101", message: "expected `when` or a new declaration, found `==`", at: "==" },
      { code: "W0101", message: "expected an expression, found `*`", at: "*" },
      { code: "W0101", message: "expected an expression, found `if` (`if` is a reserved word)", at: "if" },
      { code: "W0101", message: "expected `allow` or `deny`, found `maybe`", at: "maybe" },
    ]);
    expect(r.ast.rules.map((x) => x.name.name)).toEqual(["ok", "bad", "f", "g", "last"]);
    // a broken rule is still declared, but what recovery made of its condition is not checked
    expect(r.ast.rules.find((x) => x.name.name === "f")!.condition!.kind).toBe("ErrorExpr");
    expect(r.ast.rules.find((x) => x.name.name === "last")!.condition!.kind).toBe("Binary");
  });

  it("names the next declaration when one ends early", () => {
    const r = diag(`let X = [1, 2\npermit p when true`);
    expect(r.list).toEqual([{ code: "W0101", message: "expected `]`, found `permit`", at: "permit" }]);
    expect(r.ast.rules).toHaveLength(1);
  });

  it("reports end of input at the end of the text", () => {
    const text = `permit p when a &&`;
    const r = parsePolicy({ name: "x", text });
    expect(r.diagnostics.map((d) => [d.code, d.message, d.span.start])).toEqual([["W0101", "expected an expression, found end of input", text.length]]);
  });

  it("reports lexical problems with their own codes", () => {
    const r = diag(`permit p when "a\\q" == b && "open\n# note\npermit q when \`x\` == 1`);
    expect(r.list.map((d) => [d.code, d.at])).toEqual([
      [W.InvalidEscape, "\\q"],
      [W.UnterminatedString, `"open`],
      [W.UnexpectedCharacter, "#"],
      [W.UnexpectedToken, "`x`"],
    ]);
  });

  it("refuses a hexadecimal number written `0X`, which CEL does not read as one, and only that, giving it as CEL writes it", () => {
    const r = diag(`permit p when a == 0X2A || a == 0x2A || a == 0x2a\ntest "t" { input { a: 0X1f } expect allow }`);
    expect(r.list).toEqual([
      { code: W.CapitalHexPrefix, message: "a hexadecimal number starts with `0x`, lowercase, as CEL writes it: `0x2A`", at: "0X2A" },
      { code: W.CapitalHexPrefix, message: "a hexadecimal number starts with `0x`, lowercase, as CEL writes it: `0x1f`", at: "0X1f" },
    ]);
  });

  it("says how to close an unterminated string as fits its quotes", () => {
    const help = (literal: string) => parsePolicy({ name: "x", text: `permit p when a == ${literal}\n\n` }).diagnostics.map((d) => [d.code, d.help]);
    const oneQuote = "close the string with the quote it starts with, on the same line (or use `\"\"\"` for text over several lines)";
    expect(help(`"abc`)).toEqual([[W.UnterminatedString, oneQuote]]);
    expect(help(`b'abc`)).toEqual([[W.UnterminatedString, oneQuote]]);
    for (const [literal, quotes] of [[`"""abc`, `"""`], [`'''abc`, `'''`], [`rb"""abc`, `"""`], [`R'''`, `'''`]]) {
      expect(help(literal!), literal).toEqual([[W.UnterminatedString, `close the string with \`${quotes}\`, as it opens: nothing after it does, so it runs to the end of the file`]]);
    }
  });

  it("counts the characters that start no token as characters, not UTF-16 units", () => {
    const stray = (text: string) => diag(`permit p when a == 1 ${text}`).list.filter((d) => d.code === W.UnexpectedCharacter);
    expect(stray("😀")).toEqual([{ code: W.UnexpectedCharacter, message: "unexpected character `😀`", at: "😀" }]);
    expect(stray("😀😀")).toEqual([{ code: W.UnexpectedCharacter, message: "unexpected characters `😀😀`", at: "😀😀" }]);
    expect(stray("$")).toEqual([{ code: W.UnexpectedCharacter, message: "unexpected character `$`", at: "$" }]);
  });

  it("reports invalid escapes at the escape, surrogates included", () => {
    const r = diag(`permit p when x == "ok\\uD800ok"`);
    expect(r.list).toEqual([{ code: W.InvalidEscape, message: "invalid escape `\\uD800`: surrogate code points are not characters", at: "\\uD800" }]);
  });

  it("refuses lone surrogates anywhere in the text, where they are", () => {
    // a file read as UTF-8 cannot hold one; a string given to the API can (the module would read
    // U+FFFD where the interpreter reads the unit)
    const r = diag(`policy "p" version "1"\ninput { s: string(8) }\nforbid f when s.contains("\ud83d") // \udc31\npermit p when true`);
    expect(r.list).toEqual([
      { code: "W0105", message: "a lone surrogate (U+D83D) is not a character: policy text must be well-formed Unicode", at: "\ud83d" },
      { code: "W0105", message: "a lone surrogate (U+DC31) is not a character: policy text must be well-formed Unicode", at: "\udc31" },
    ]);
    expect(diag(`policy "p" version "1"\npermit p when "\ud83d\udc31" != ""`).list).toEqual([]);
    // said once, as a surrogate, not again as a character that starts no token (raw in the message)
    expect(diag(`policy "p" version "1"\ninput { a: int }\nlet S\udc00 = 1\npermit q when a > \ud800\npermit r when a > 0`).list).toEqual([
      { code: "W0105", message: "a lone surrogate (U+DC00) is not a character: policy text must be well-formed Unicode", at: "\udc00" },
      { code: "W0105", message: "a lone surrogate (U+D800) is not a character: policy text must be well-formed Unicode", at: "\ud800" },
    ]);
  });

  it("names a character that starts no token and cannot be seen for what it is by its code point", () => {
    const r = diag(`policy "t" version "1"\ninput { a: int }\npermit p when\u00a0a > 0\npermit q when a > 0 \u200b`);
    expect(r.list.map((d) => d.message)).toEqual(["unexpected character `\u00a0` (U+00A0, which cannot be seen for what it is)", "unexpected character `\u200b` (U+200B, which cannot be seen for what it is)"]);
    expect(diag(`policy "t" version "1"\npermit p when true $`).list.map((d) => d.message)).toEqual(["unexpected character `$`"]);
  });

  it("says a character that starts no token where an operand belongs once, not again as an expression missing", () => {
    for (const condition of ["a > $", "$", "a >= ¢", "a > 0 && ;"]) {
      const r = diag(`policy "t" version "1"\ninput { a: int }\npermit p when ${condition}\nforbid f when a > 1`);
      expect(r.list.map((d) => d.code), condition).toEqual(["W0105"]);
    }
    // a token that could not come there in any case is its own error
    expect(diag(`policy "t" version "1"\ninput { x: int }\npermit a when x > 1 $\n}`).list.map((d) => d.code)).toEqual(["W0105", "W0101"]);
  });

  it("says what a comment is when one is written another language's way", () => {
    const r = diag(`policy "p" version "1"\n# one\n/* two\n three */\npermit p when 1 > 0 /* unterminated`);
    expect(r.list).toEqual([
      { code: "W0105", message: "`#` does not start a comment in Writ", at: "#" },
      { code: "W0105", message: "`/* */` does not start a comment in Writ", at: "/*" },
      { code: "W0105", message: "`/*` does not start a comment in Writ, and this one is never closed: it is read as a comment to the end of the file", at: "/*" },
    ]);
    expect(r.diagnostics.every((d) => d.help === "a comment starts with `//` and runs to the end of the line")).toBe(true);
    expect(r.ast.rules.map((x) => x.name.name)).toEqual(["p"]);
  });

  it("refuses a text too large to parse before parsing it, and shows a long line around the error", async () => {
    const { compilePolicy } = await import("../../compiler/driver.js");
    const { MAX_TOKENS, MAX_SOURCE_LENGTH } = await import("../../compiler/syntax/index.js");
    // a list literal of two million elements ran the parser out of a 4 GB heap (V8 aborted the host)
    const many = `policy "p" version "1"\ninput { n: int }\nlet L = [${"0,".repeat(MAX_TOKENS)}0]\npermit p when n in L\n`;
    const r = await compilePolicy(many, { fileName: "big.writ" });
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([["W0114", `the text has ${(2 * MAX_TOKENS + 22).toLocaleString("en-US")} tokens, more than the 300,000 a policy may have`]]);
    const shown = renderDiagnostics(r.diagnostics, { name: "big.writ", text: many }).split("\n");
    expect(Math.max(...shown.map((l) => l.length))).toBeLessThan(200);
    expect(shown[2]).toMatch(/^3 \| …[0,]+…$/);
    expect(shown[3]!.indexOf("^")).toBe(shown[2]!.length - 100 - 1 /* the cut after */);
    const long = await compilePolicy(`// ${"x".repeat(MAX_SOURCE_LENGTH)}\n`);
    expect(long.diagnostics.map((d) => d.code)).toEqual(["W0114"]);
  });

  it("checks commas precisely", () => {
    const r = diag(`permit p when f(a b) && g(1,) && [1,,2] == x\ntest "t" { input { a: 1 b: 2 } expect deny by [x y] }`);
    expect(r.list.map((d) => [d.message, d.at])).toEqual([
      ["expected `,` between arguments", "b"],
      ["unexpected `,` after the last of the arguments", ","],
      ["expected `]`, found `,`", ","],
      ["expected `,` between entries", "b"],
      ["expected `,` between names", "y"],
    ]);
  });

  it("reports misplaced headers, repeated inputs and expect clauses, bytes for strings", () => {
    const r = diag(`input { a: int }\npolicy "p" version "1"\ninput { b: int }\n@reason(b"x") permit p\ntest "t" { input {} expect deny invalid invalid }`);
    expect(r.list.map((d) => d.code)).toEqual([W.MisplacedHeader, W.DuplicateInput, W.BytesNotString, W.DuplicateClause]);
    expect(r.ast.input!.fields.map((f) => f.name.name)).toEqual(["a"]);
    expect(r.ast.header?.name.value).toBe("p");
  });

  it("checks type arguments and bounds", () => {
    const r = diag(`input { a: list<int, int>, b: map<string>, c: int<string>, d: string(0x10), e: string(99999999999999999999) }`);
    expect(r.list.map((d) => [d.code, d.message])).toEqual([
      [W.BadTypeArguments, "`list` takes one type argument: `list<T>`"],
      [W.BadTypeArguments, "`map` takes 2 type arguments: `map<K, V>`"],
      [W.BadTypeArguments, "`int` takes no type arguments"],
      [W.BadBound, "a size bound is a decimal number, found `0x10`"],
      [W.BadBound, "size bound `99999999999999999999` is too large"],
    ]);
  });

  it("keeps the fields after a type whose `(` or `<` is left open, with commas or without, naming the bracket", () => {
    for (const [type, bracket, column] of [
      ["list<int>(5", "(", 15],
      ["string(5", "(", 12],
      ["string(", "(", 12],
      ["map<string, int>(5", "(", 22],
      ["list<int", "<", 10],
    ] as const) {
      for (const comma of ["", ","]) {
        const text = `policy "m" version "1"\ninput {\n  a: int${comma}\n  c: ${type}${comma}\n  d: bool${comma}\n  e: string\n}\npermit q when d && e == "x"\n`;
        const r = parsePolicy({ name: "m.writ", text });
        const what = `${type} ${comma ? "with" : "without"} commas`;
        expect(r.diagnostics.map((d) => d.help), what).toEqual([`the \`${bracket}\` at 4:${column} is never closed: \`d\` starts the next field`]);
        // (the broken field itself is left out; its uses raise no error of their own)
        expect(r.ast.input!.fields.map((f) => f.name.name).filter((n) => n !== "c"), what).toEqual(["a", "d", "e"]);
      }
    }
  });

  it("suggests `==` for a single `=` in a condition", () => {
    const r = parsePolicy({ name: "x", text: "permit p when a = 1" });
    expect(r.diagnostics.map((d) => [d.message, d.help])).toEqual([["expected an operator or a new declaration, found `=`", "compare with `==`"]]);
  });

  it("reports text that starts no declaration", () => {
    const r = diag(`a == b\npermit p`);
    expect(r.list).toEqual([{ code: W.NotADeclaration, message: "expected a declaration (`input`, `let`, `permit`, `forbid` or `test`), found `a`", at: "a" }]);
    expect(r.ast.rules).toHaveLength(1);
  });

  it("refuses a message literal after something that is not a type name", () => {
    const r = parseExpression("f(x){a: 1}");
    expect(r.diagnostics.map((d) => d.code)).toEqual([W.StructWithoutType]);
    expect(r.expr.kind).toBe("ErrorExpr");
  });

  it("renders diagnostics with file, line, column and caret", () => {
    const text = `policy "p" version "1"\n\nforbid x when principal.tenat !! 1\n`;
    const r = parsePolicy({ name: "policies/p.writ", text });
    expect(renderDiagnostics(r.diagnostics, { name: "policies/p.writ", text })).toBe(
      [
        "policies/p.writ:3:31: error[W0101]: expected an operator or a new declaration, found `!`",
        "  |",
        "3 | forbid x when principal.tenat !! 1",
        "  |                               ^",
      ].join("\n"),
    );
  });

  it("keeps the declarations after a bracket left open: the input block after a list, the rules after a test's `by [`", () => {
    const list = diag(`policy "p" version "1"\nlet X = [1, 2\ninput { a: int }\npermit r when a == 1\n`);
    expect(list.list).toEqual([{ code: W.UnexpectedToken, message: "expected `]`, found `input`", at: "input" }]);
    expect(list.ast.input).toBeDefined();
    const byList = diag(`policy "p" version "1"\ninput { a: int }\npermit r when a == 1\ntest "t" {\n  input { a: 1 }\n  expect allow by [r }\npermit s when a == 2\nforbid f when a == 3\n`);
    expect(byList.list.map((d) => d.message)).toEqual(["expected `]`, found `}`"]);
    expect(byList.ast.rules.map((r) => r.name.name)).toEqual(["r", "s", "f"]);
  });

  it("puts the caret under the culprit on a line indented with tabs", () => {
    const text = `policy "p" version "1"\n\n\tforbid x when\tprincipal.tenat !! 1\n`;
    const r = parsePolicy({ name: "p.writ", text });
    expect(renderDiagnostics(r.diagnostics, { name: "p.writ", text }).split("\n").slice(2, 4)).toEqual([
      "3 | \tforbid x when\tprincipal.tenat !! 1",
      // the tabs before the culprit echoed as tabs, everything else as spaces
      `  | \t${" ".repeat("forbid x when".length)}\t${" ".repeat("principal.tenat ".length)}^`,
    ]);
  });

  it("shows control characters escaped, with the caret under the culprit past them and past astral characters", () => {
    // an ESC and a BEL in a string, an astral character (two UTF-16 units, one column) before the culprit
    const text = `policy "p" version "1"\nforbid x when "\u001b[2K\u0007𝑥" !! 1\n`;
    const r = parsePolicy({ name: "p\n.writ", text });
    const lines = renderDiagnostics(r.diagnostics, { name: "p\n.writ", text }).split("\n");
    expect(lines[0]).toMatch(/^p\\u000a\.writ:2:/); // the file's name escaped too
    const shown = 'forbid x when "\\u001b[2K\\u0007𝑥" ';
    expect(lines.slice(2, 4)).toEqual([`2 | ${shown}!! 1`, `  | ${" ".repeat([...shown].length)}^`]);
    expect(lines.join("\n")).not.toMatch(/[\u0000-\u0008\u001b]/);
  });

  it("puts the caret under the culprit past wide characters (two cells) and combining marks (none)", () => {
    // CJK ideographs and an emoji take two cells each on a terminal; `é` written as e + U+0301 takes
    // one, its accent none; a fullwidth letter two; a Hangul syllable two, a medial vowel after it none
    const cases: [string, number][] = [
      ["管理员", 6],
      ["😀", 2],
      ["e\u0301e\u0301e\u0301", 3],
      ["Ａ", 2],
      ["가\u1161", 2],
    ];
    for (const [literal, cells] of cases) {
      const text = `policy "p" version "1"\npermit a when s == "${literal}" !! 1\n`;
      const r = parsePolicy({ name: "p.writ", text });
      const lines = renderDiagnostics(r.diagnostics, { name: "p.writ", text }).split("\n");
      const before = 'permit a when s == "';
      expect(lines[0]).toBe(`p.writ:2:${[...before, ...literal].length + 3}: error[W0101]: expected an operator or a new declaration, found \`!\``);
      expect(lines[2]).toBe(`2 | ${before}${literal}" !! 1`);
      expect(lines[3]).toBe(`  | ${" ".repeat(before.length + cells + '" '.length)}^`);
    }
  });

  it("writes messages lowercase, without a trailing period", () => {
    const r = parsePolicy({ name: "x", text: `policy 1 version\ninput { a: }\nlet x =\npermit\n@ forbid f when (a\ntest { }` });
    expect(r.diagnostics.length).toBeGreaterThan(4);
    for (const d of r.diagnostics) {
      expect(d.message).toMatch(/^[a-z`(]/);
      expect(d.message).not.toMatch(/\.$/);
      expect(d.code).toMatch(/^W01\d\d$/);
      expect(Number.isFinite(d.span.start) && d.span.end >= d.span.start).toBe(true);
    }
  });
});

describe("nesting limits", () => {
  it(`accepts ${MAX_NESTING} nested brackets and refuses one more`, () => {
    const nest = (n: number) => "[".repeat(n) + "1" + "]".repeat(n);
    expect(parseExpression(nest(MAX_NESTING)).diagnostics).toEqual([]);
    const r = parsePolicy({ name: "x", text: `permit a when ${nest(MAX_NESTING + 1)} == x\npermit b` });
    expect(r.diagnostics.map((d) => d.code)).toEqual([W.NestingTooDeep]);
    expect(r.ast.rules.map((x) => [x.name.name, x.condition?.kind])).toEqual([["a", "ErrorExpr"], ["b", undefined]]);
  });

  it("keeps the name of a `let` or rule nested too deep, with an error for its value or condition", () => {
    const nest = "(".repeat(MAX_NESTING + 1) + "1" + ")".repeat(MAX_NESTING + 1);
    const text = `let X = ${nest}\n@reason("r") forbid f when ${nest} == x\npermit p when X == 1\n`;
    const r = diag(text);
    expect(r.list.map((d) => d.code)).toEqual([W.NestingTooDeep, W.NestingTooDeep]);
    expect(r.ast.lets.map((l) => [l.name.name, l.value.kind, text.slice(l.value.span.start, l.value.span.end)])).toEqual([["X", "ErrorExpr", nest]]);
    const [f, p] = r.ast.rules;
    expect([f?.effect, f?.name.name, f?.annotations.map((a) => a.value.value), f?.condition?.kind]).toEqual(["forbid", "f", ["r"], "ErrorExpr"]);
    expect(text.slice(f!.condition!.span.start, f!.condition!.span.end)).toBe(`${nest} == x`);
    expect(p?.name.name).toBe("p");
  });

  it("still drops a declaration nested too deep whose head is not whole", () => {
    const nest = "[".repeat(MAX_NESTING + 1) + "]".repeat(MAX_NESTING + 1);
    for (const text of [`let = ${nest}`, `permit ${nest}`, `let X ${nest}`]) {
      const r = diag(text);
      expect(r.list.map((d) => d.code), text.slice(0, 12)).toContain(W.NestingTooDeep);
      expect([...r.ast.lets, ...r.ast.rules], text.slice(0, 12)).toEqual([]);
    }
  });

  it("refuses deep nesting of every kind without overflowing the stack", () => {
    const n = 20000;
    const cases = [
      "(".repeat(n) + "1" + ")".repeat(n),
      "f(".repeat(n) + ")".repeat(n),
      "{1:".repeat(n) + "1" + "}".repeat(n),
      "a ? b : ".repeat(n) + "c",
      "!".repeat(n) + "x",
      "-".repeat(n) + "1",
      Array(n).fill("a").join(" || "),
      "x" + ".y".repeat(n),
      "(".repeat(n),
    ];
    for (const c of cases) {
      const r = parseExpression(c);
      expect(r.diagnostics.map((d) => d.code), c.slice(0, 12)).toContain(W.NestingTooDeep);
    }
    const deepData = `test "t" { input { a: ${"[".repeat(n)}${"]".repeat(n)} } expect deny }`;
    expect(parsePolicy({ name: "x", text: deepData }).diagnostics.map((d) => d.code)).toEqual([W.NestingTooDeep]);
  });

  it("counts the nesting of list<…> and map<…> in the input schema", () => {
    // a type a few hundred levels deep parses, but compiling it overflows AssemblyScript's stack
    const listType = (n: number) => "list<".repeat(n) + "int" + ">(1)".repeat(n);
    const policy = (n: number) => `policy "p" version "1"\ninput { l: ${listType(n)} }\npermit a when size(l) == 0\n`;
    expect(parsePolicy({ name: "x", text: policy(MAX_NESTING - 1) }).diagnostics).toEqual([]);
    for (const n of [MAX_NESTING, 300, 700]) {
      const r = diag(policy(n));
      expect(r.list[0], `depth ${n}`).toMatchObject({ code: W.NestingTooDeep, at: "<" });
    }
    const mapType = "map<string, ".repeat(MAX_NESTING) + "int" + ">(1)".repeat(MAX_NESTING);
    expect(diag(`policy "p" version "1"\ninput { m: ${mapType} }\n`).list[0]).toMatchObject({ code: W.NestingTooDeep });
  });

  it(`accepts operator chains up to ${MAX_EXPR_DEPTH} deep`, () => {
    expect(parseExpression(Array(MAX_EXPR_DEPTH).fill("a").join(" && ")).diagnostics).toEqual([]);
    expect(parseExpression(Array(MAX_EXPR_DEPTH + 2).fill("a").join(" && ")).diagnostics.map((d) => d.code)).toEqual([W.NestingTooDeep]);
  });
});
