// The lexer: token boundaries for every CEL literal form, keywords vs identifiers, comments.

import { describe, expect, it } from "vitest";
import { lex } from "../../compiler/syntax/lexer.js";

const kinds = (text: string) => lex(text).tokens.map((t) => `${t.tokenType.name}:${t.image}`);

describe("lexer", () => {
  it("reads every number form whole", () => {
    expect(kinds("0 42 0x2A 0X2a 1u 42U 0x1U 1.0 1e3 1E-3 1.5e-3 .5 2.5E+10")).toEqual([
      "IntLiteral:0", "IntLiteral:42", "IntLiteral:0x2A", "IntLiteral:0X2a",
      "UintLiteral:1u", "UintLiteral:42U", "UintLiteral:0x1U",
      "DoubleLiteral:1.0", "DoubleLiteral:1e3", "DoubleLiteral:1E-3", "DoubleLiteral:1.5e-3", "DoubleLiteral:.5", "DoubleLiteral:2.5E+10",
    ]);
  });

  it("keeps a member access on an int apart from a double", () => {
    expect(kinds("1.size()")).toEqual(["IntLiteral:1", "Dot:.", "Identifier:size", "LParen:(", "RParen:)"]);
  });

  it("reads strings with every prefix and quote style", () => {
    const forms = [`"a"`, `'a'`, `"""a"b"""`, `'''x''x'''`, `r"\\"`, `R'\\d'`, `b"ab"`, `B'ab'`, `rb"x"`, `bR'x'`, `Rb"""x"""`, `br'''y'''`];
    for (const f of forms) expect(kinds(f), f).toEqual([`StringLiteral:${f}`]);
  });

  it("lets an escaped quote continue a cooked string but not a raw one", () => {
    expect(kinds(`"a\\"b"`)).toEqual([`StringLiteral:"a\\"b"`]);
    expect(kinds(`r"a\\" + "b"`)).toEqual([`StringLiteral:r"a\\"`, "Plus:+", `StringLiteral:"b"`]);
  });

  it("lets triple-quoted strings span lines and single-quoted ones not", () => {
    expect(kinds(`"""a\nb"""`)).toEqual([`StringLiteral:"""a\nb"""`]);
    expect(kinds(`"ab\ncd"`)).toEqual([`UnterminatedString:"ab`, "Identifier:cd", `UnterminatedString:"`]);
    expect(kinds(`'''never closed\n\nx`)).toEqual([`UnterminatedString:'''never closed\n\nx`]);
  });

  it("reads keywords only as whole words (longer_alt)", () => {
    expect(kinds("permit permits input inputs in int index forbid forbidden as ascii iffy if import")).toEqual([
      "Kw_permit:permit", "Identifier:permits", "Kw_input:input", "Identifier:inputs", "Kw_in:in", "Identifier:int",
      "Identifier:index", "Kw_forbid:forbid", "Identifier:forbidden", "Reserved:as", "Identifier:ascii", "Identifier:iffy",
      "Reserved:if", "Reserved:import",
    ]);
  });

  it("identifiers may start with the letters of string prefixes", () => {
    expect(kinds("rb br bytes r b")).toEqual(["Identifier:rb", "Identifier:br", "Identifier:bytes", "Identifier:r", "Identifier:b"]);
  });

  it("prefers two-character operators and keeps optional-syntax tokens", () => {
    expect(kinds("a<=b>=c==d!=e&&f||!g a.?b c[?d] x`y`")).toEqual([
      "Identifier:a", "LtEq:<=", "Identifier:b", "GtEq:>=", "Identifier:c", "EqEq:==", "Identifier:d", "NotEq:!=", "Identifier:e",
      "AndAnd:&&", "Identifier:f", "OrOr:||", "Bang:!", "Identifier:g", "Identifier:a", "DotQuestion:.?", "Identifier:b",
      "Identifier:c", "LBracketQuestion:[?", "Identifier:d", "RBracket:]", "Identifier:x", "QuotedName:`y`",
    ]);
  });

  it("keeps comments in their own group and skips whitespace", () => {
    const r = lex("a // one\n  b//two\n// three");
    expect(r.tokens.map((t) => t.image)).toEqual(["a", "b"]);
    expect(r.comments.map((t) => [t.image, t.startOffset])).toEqual([["// one", 2], ["//two", 12], ["// three", 18]]);
  });

  it("takes another language's comment whole, and a `/*` never closed up to the next line that starts a declaration", () => {
    const foreign = (text: string) => lex(text).foreignComments.map((t) => `${t.tokenType.name}:${t.image}`);
    expect(foreign("# a\n/* b\n c */ x")).toEqual(["ForeignComment:# a", "ForeignComment:/* b\n c */"]);
    // (a space in its `*/`; then prose, and lines that start no declaration: `letter`, `input.x`)
    expect(foreign("/* a * /\n b\n letter\n input.x\r\n  let X = 1")).toEqual(["UnclosedBlockComment:/* a * /\n b\n letter\n input.x"]);
    expect(kinds("/* a * /\n b\n  let X = 1")).toEqual(["Kw_let:let", "Identifier:X", "Assign:=", "IntLiteral:1"]);
    expect(foreign("/* a\n@r(\"x\") permit p")).toEqual(["UnclosedBlockComment:/* a"]);
    expect(foreign("/*/ a")).toEqual(["UnclosedBlockComment:/*/ a"]);
    // a later comment's `*/` does not close it: the `/*` between is that one's
    expect(foreign("/* a\n/* b */\nlet X = 1\n/* c */")).toEqual(["UnclosedBlockComment:/* a\n/* b */", "ForeignComment:/* c */"]);
    expect(foreign("/* a\npermit p\n/* b */")).toEqual(["UnclosedBlockComment:/* a", "ForeignComment:/* b */"]);
  });

  it("reports characters no token matches, with offsets", () => {
    const r = lex("a ~ b $$ é");
    expect(r.badChars).toEqual([{ offset: 2, length: 1 }, { offset: 6, length: 2 }, { offset: 9, length: 1 }]);
    expect(r.tokens.map((t) => t.image)).toEqual(["a", "b"]);
  });

  it("records end offsets on every token", () => {
    for (const t of lex(`let x = "abc" + 12`).tokens) expect(t.endOffset).toBe(t.startOffset + t.image.length - 1);
  });
});
