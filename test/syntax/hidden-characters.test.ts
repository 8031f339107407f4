// Characters a reader cannot see for what they are, where `writ fmt` cannot escape them: a
// bidirectional control written as it is in a comment, a string or a quoted name (W0701, a warning:
// "Trojan Source", CVE-2021-42574), and a quoted name holding an invisible character where it has no
// index form to be printed as (W0702, an error).

import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../compiler/driver.js";
import { lintHiddenCharacters } from "../../compiler/syntax/hidden-characters.js";
import { parsePolicy } from "../../compiler/syntax/index.js";

const HEADER = `policy "p" version "1.0.0"\ninput { m: map<string, int>(4), s: string }\n`;

/** The diagnostics `writ check` gives a policy, each as code, severity and the text its span covers. */
async function checked(body: string): Promise<{ code: string; severity: string; at: string; offset: number; message: string; help?: string }[]> {
  const text = HEADER + body;
  const r = await compilePolicy(text, { stopAfter: "check" });
  return r.diagnostics.map((d) => ({
    code: d.code,
    severity: d.severity,
    at: text.slice(d.span.start, d.span.end),
    offset: d.span.start,
    message: d.message,
    ...(d.help === undefined ? {} : { help: d.help }),
  }));
}

describe("W0701: a bidirectional control character written as it is", () => {
  it("is a warning in a comment, at the character", async () => {
    // the classic: a comment whose override makes the code after it read as part of it
    const body = `permit ok when s == "user" // \u202e } \u2066 && s != "admin" \u2069 \u2066\n`;
    const d = await checked(body);
    expect(d).toEqual([
      expect.objectContaining({ code: "W0701", severity: "warning", at: "\u202e", offset: HEADER.length + body.indexOf("\u202e") }),
    ]);
    expect(d[0]!.message).toBe(
      "this comment holds U+202E (right-to-left override), a bidirectional control character: the line displays in another order than the compiler reads it",
    );
    expect(d[0]!.help).toBe("remove it; a comment can name it by its code point, `U+202E`");
    // one warning for each comment that holds any
    const two = `// \u2067 one\n// two \u202a and \u202c\npermit ok\n`;
    expect((await checked(two)).map((x) => [x.code, x.at, x.offset - HEADER.length])).toEqual([
      ["W0701", "\u2067", two.indexOf("\u2067")],
      ["W0701", "\u202a", two.indexOf("\u202a")],
    ]);
  });

  it("is a warning in a string literal and a quoted field name, with the escaped form to write", async () => {
    const body = `permit ok when s == "ad\u202emin" && m.\`x\u2068y\` == 1 && r'\u2069' != "" && "k" in {"a\u202b": 1}\n`;
    const d = await checked(body);
    expect(d.map((x) => [x.code, x.severity, x.at, x.offset - HEADER.length])).toEqual([
      ["W0701", "warning", "\u202e", body.indexOf("\u202e")],
      ["W0701", "warning", "\u2068", body.indexOf("\u2068")],
      ["W0701", "warning", "\u2069", body.indexOf("\u2069")],
      ["W0701", "warning", "\u202b", body.indexOf("\u202b")],
    ]);
    expect(d[0]!.help).toBe("write it as the escape `\\u202e`, as `writ fmt` does");
    expect(d[1]!.message).toContain("this quoted field name holds U+2068 (first strong isolate)");
    expect(d[1]!.help).toBe('write it as an index, `m["x\\u2068y"]`, as `writ fmt` does');
  });

  it("is not said of an escape, nor of other invisible characters, nor of text without one", async () => {
    expect(await checked(`// U+202E is named, not written; a no-break space\u00a0is not a bidirectional control\npermit ok when s == "ad\\u202emin" && m["x\\u2068y"] == 1 && m.\`a\u00a0\` == 1\n`)).toEqual([]);
  });

  it("is not said again where the character starts no token (a syntax error, W0105)", async () => {
    const d = await checked(`permit ok when s == "a" \u202e\n`);
    expect(d.map((x) => x.code)).toEqual(["W0105"]);
  });
});

describe("W0702: a quoted name holding an invisible character, with no index form", () => {
  it("is an error in has(), at the name, telling the `in` form to write", async () => {
    const body = `forbid r when has(m.\`ad\u202emin\u00a0\`)\npermit ok\n`;
    const d = await checked(body);
    // the override in it is not warned of as well: the error says it
    expect(d).toEqual([
      {
        code: "W0702",
        severity: "error",
        at: "`ad\u202emin\u00a0`",
        offset: HEADER.length + body.indexOf("`"),
        message:
          "the quoted field name `\"ad\\u202emin\\xa0\"` holds U+202E (right-to-left override), which a reader cannot see for what it is: a quoted name has no escapes, and `has()` takes no index to write it as",
        help: 'on a map, `has(m.f)` is `"f" in m`: write `"ad\\u202emin\\xa0" in m`',
      },
    ]);
    // what it says to write is checked, and means it
    expect(await checked(`forbid r when "ad\\u202emin\\xa0" in m\npermit ok\n`)).toEqual([]);
  });

  it("names any invisible character: a no-break space, a zero-width joiner", async () => {
    const d = await checked(`forbid r when has(m.\`admin\u00a0\`) || has(m.\`a\u200db\`)\npermit ok\n`);
    expect(d.map((x) => [x.code, x.at])).toEqual([
      ["W0702", "`admin\u00a0`"],
      ["W0702", "`a\u200db`"],
    ]);
    expect(d[0]!.message).toContain("holds U+00A0, which a reader cannot see");
    expect(d[1]!.message).toContain("holds U+200D, which a reader cannot see");
    // an operand an operator would take apart is bracketed in the `in` form told
    const [bracketed] = await checked(`forbid r when has((s == "" ? m : {"a": 1}).\`a\u00a0\`)\npermit ok\n`);
    expect(bracketed!.help).toBe('on a map, `has(m.f)` is `"f" in m`: write `"a\\xa0" in (s == "" ? m : {"a": 1})`');
  });

  it("is not said of a name a reader sees, nor of one that can be printed as an index", async () => {
    expect(await checked(`forbid r when has(m.\`content-type\`) || has(m.\`caf\u00e9\`) || m.\`a\u00a0\` == 1\npermit ok\n`)).toEqual([]);
  });

  it("is an error in a message's type name (which has no index form either)", () => {
    const text = HEADER + "permit ok when x.`a\u00a0`{f: 1} == 1\n";
    const parsed = parsePolicy({ name: "t.writ", text });
    expect(parsed.diagnostics).toEqual([]);
    expect(lintHiddenCharacters(parsed.ast, text).map((d) => [d.code, text.slice(d.span.start, d.span.end)])).toEqual([["W0702", "`a\u00a0`"]]);
  });

  it("walks a condition as deep as the parser takes without running out of stack", () => {
    const text = HEADER + `permit ok when ${"!".repeat(490)}has(m.\`a\u00a0\`)\n`;
    const parsed = parsePolicy({ name: "t.writ", text });
    expect(parsed.diagnostics).toEqual([]);
    expect(lintHiddenCharacters(parsed.ast, text).map((d) => d.code)).toEqual(["W0702"]);
  });
});
