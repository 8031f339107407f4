// Literal decoding: the escape table of langdef.md ("String and Bytes Values"), its examples,
// the error cases, and the canonical quoting the formatter uses.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeIntLiteral, decodeStringLiteral, quoteBytes, quoteString } from "../../compiler/syntax/literals.js";

const text = (image: string) => {
  const d = decodeStringLiteral(image);
  expect(d.problems).toEqual([]);
  expect(d.kind).toBe("string");
  return d.value as string;
};
const bytes = (image: string) => {
  const d = decodeStringLiteral(image);
  expect(d.problems).toEqual([]);
  expect(d.kind).toBe("bytes");
  return [...(d.value as Uint8Array)];
};
const problems = (image: string) => decodeStringLiteral(image).problems.map((p) => [p.offset, p.length, p.message]);

describe("string and bytes literals (langdef.md examples)", () => {
  it("decodes the table of examples", () => {
    expect(text(`""`)).toBe("");
    expect(text(`'""'`)).toBe(`""`);
    expect(text(`'''x''x'''`)).toBe("x''x");
    expect(text(`"\\""`)).toBe(`"`);
    expect(text(`"\\\\"`)).toBe("\\");
    expect(text(`r"\\\\"`)).toBe("\\\\");
    expect(bytes(`b"abc"`)).toEqual([97, 98, 99]);
    expect(bytes(`b"ÿ"`)).toEqual([195, 191]);
    expect(bytes(`b"\\303\\277"`)).toEqual([195, 191]);
    expect(text(`"\\303\\277"`)).toBe("\u00c3\u00bf");
    expect(text(`"\\377"`)).toBe("\u00ff");
    expect(bytes(`b"\\377"`)).toEqual([255]);
    expect(text(`"\\xFF"`)).toBe("\u00ff");
    expect(bytes(`b"\\xff"`)).toEqual([255]);
  });

  it("decodes every single-character escape", () => {
    expect(text(`"\\a\\b\\f\\n\\r\\t\\v\\\\\\'\\"\\\`\\?"`)).toBe("\x07\b\f\n\r\t\v\\'\"`?");
  });

  it("decodes \\u and \\U, hex digits in any case", () => {
    expect(text(`"\\u270c"`)).toBe("\u270c");
    expect(text(`"\\U0001f431"`)).toBe("\u{1f431}");
    expect(text(`'\\U0001F431\\U0001F600'`)).toBe("\u{1f431}\u{1f600}");
    expect(text(`"\\X4a\\x4A"`)).toBe("JJ");
  });

  it("leaves escapes uninterpreted in raw strings, for every prefix order", () => {
    for (const p of ["r", "R"]) expect(text(`${p}"\\n\\d"`)).toBe("\\n\\d");
    // a backslash does not escape the quote: the first matching quote ends the literal
    expect(text(`r"a\\"`)).toBe("a\\");
    expect(text(`r'\\'`)).toBe("\\");
    expect(text(`r"""a"b\\"""`)).toBe('a"b\\');
    for (const p of ["rb", "br", "Rb", "bR", "RB"]) expect(bytes(`${p}'\\x41'`)).toEqual([...Buffer.from("\\x41")]);
  });

  it("keeps newlines in triple-quoted strings", () => {
    expect(text(`"""a\nb"""`)).toBe("a\nb");
    expect(text(`'''it's'''`)).toBe("it's");
  });

  it("rejects what the spec calls syntactically invalid", () => {
    expect(problems(`"\\s"`)).toEqual([[1, 2, "invalid escape sequence `\\s`"]]);
    expect(problems(`"\\uD83D\\uDE03"`).map((p) => p[2])).toEqual([
      "invalid escape `\\uD83D`: surrogate code points are not characters",
      "invalid escape `\\uDE03`: surrogate code points are not characters",
    ]);
    expect(problems(`"\\UD83DDE03"`).length).toBe(1);
    expect(problems(`"\\U00110000"`).map((p) => p[2])).toEqual(["invalid escape `\\U00110000`: beyond the last Unicode code point"]);
    expect(problems(`"\\x4"`).length).toBe(1);
    expect(problems(`"\\u12"`).length).toBe(1);
    expect(problems(`"\\400"`).length).toBe(1);
    expect(problems(`"\\08"`).length).toBe(1);
    expect(problems(`b"\\u0041"`).map((p) => p[2])).toEqual(["`\\u` escapes are not allowed in bytes literals"]);
    expect(problems(`b"\\U00000041"`).length).toBe(1);
  });

  it("decodes integer literals exactly", () => {
    expect(decodeIntLiteral("9223372036854775808")).toBe(2n ** 63n);
    expect(decodeIntLiteral("0xFFFFFFFFFFFFFFFFu")).toBe(2n ** 64n - 1n);
    expect(decodeIntLiteral("0x55555555")).toBe(0x55555555n);
  });
});

describe("canonical quoting", () => {
  it("escapes only what needs escaping", () => {
    expect(quoteString(`a"b\\c\nd\te'f`)).toBe(`"a\\"b\\\\c\\nd\\te'f"`);
    expect(quoteString("\x00\x07\x7f\u0085é✌\u{1f431}")).toBe(`"\\x00\\a\\x7f\\x85é✌\u{1f431}"`);
    expect(quoteBytes(Uint8Array.from([0, 65, 34, 92, 255]))).toBe(`b"\\x00A\\"\\\\\\xff"`);
  });

  it("writes characters that cannot be seen for what they are as escapes, and keeps the value", () => {
    // a no-break space, a combining grapheme joiner, a variation selector, a Hangul filler; an
    // ideographic space, an en quad, a narrow no-break space, an ogham space, a word joiner and a
    // halfwidth Hangul filler; a variation selector beyond the BMP
    const cases: [string, string][] = [
      ["admin\u00a0", `"admin\\xa0"`],
      ["adm\u034fin", `"adm\\u034fin"`],
      ["root\ufe0f", `"root\\ufe0f"`],
      ["\u3164", `"\\u3164"`],
      ["a\u3000b\u2000c\u202fd\u1680e\u2060f\uffa0", `"a\\u3000b\\u2000c\\u202fd\\u1680e\\u2060f\\uffa0"`],
      ["x\u{e0100}", `"x\\U000e0100"`],
    ];
    for (const [value, quoted] of cases) {
      expect(quoteString(value)).toBe(quoted);
      expect(text(quoted)).toBe(value);
    }
    // the plain space is the one space printed as itself
    expect(quoteString("a b")).toBe(`"a b"`);
  });

  it("round-trips any string of code points (property)", () => {
    const codePoint = fc.oneof(
      fc.integer({ min: 0, max: 0xd7ff }),
      fc.integer({ min: 0xe000, max: 0x10ffff }),
      fc.constantFrom(0x22, 0x27, 0x5c, 0x0a, 0x60, 0x3f, 0x20),
      // spaces and default-ignorable code points, which a uniform pick rarely meets
      fc.constantFrom(0xa0, 0x34f, 0x115f, 0x1680, 0x180e, 0x2000, 0x200a, 0x202f, 0x205f, 0x2060, 0x3000, 0x3164, 0xfe00, 0xfe0f, 0xffa0, 0x1d173, 0xe0020, 0xe01ef),
    );
    fc.assert(
      fc.property(fc.array(codePoint, { maxLength: 40 }), (cps) => {
        const s = String.fromCodePoint(...cps);
        const quoted = quoteString(s);
        const d = decodeStringLiteral(quoted);
        // and nothing is printed as itself that a reader would not see for what it is
        const hidden = [...quoted].filter((c) => c !== " " && /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Zs}\p{Default_Ignorable_Code_Point}]/u.test(c));
        return d.problems.length === 0 && d.kind === "string" && d.value === s && hidden.length === 0;
      }),
      { numRuns: 500 },
    );
  });

  it("round-trips any byte sequence (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
        const d = decodeStringLiteral(quoteBytes(b));
        return d.problems.length === 0 && d.kind === "bytes" && Buffer.from(d.value).equals(Buffer.from(b));
      }),
      { numRuns: 500 },
    );
  });
});
