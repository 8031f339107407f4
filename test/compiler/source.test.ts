import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { lineColIndex, lineColOf, lineTextAt } from "../../compiler/source.js";

describe("line and column", () => {
  it("the index gives what a rescan gives, for every offset", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("a", "é", "😀", "\n", "\r", " ") , maxLength: 60 }), (text) => {
        const index = lineColIndex(text);
        for (let o = 0; o <= text.length; o++) expect(index(o)).toEqual(lineColOf(text, o));
      }),
    );
  });
  it("the index gives what a rescan gives across its code-point checkpoints, on long lines of astral characters", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("a", "😀", "\ud83d", "\ude00", "\n", "\r", "\ufeff"), minLength: 100, maxLength: 700 }), (text) => {
        const index = lineColIndex(text);
        for (let o = -1; o <= text.length + 1; o++) expect(index(o)).toEqual(lineColOf(text, o));
      }),
      { numRuns: 50 },
    );
    const long = `x\n${"😀a".repeat(100_000)}`;
    const index = lineColIndex(long);
    for (const o of [2, 63, 64, 65, 127, 128, 129, 150_001, 299_999, 300_000, 300_001, 300_002]) expect(index(o)).toEqual(lineColOf(long, o));
  });
  it("counts columns in code points", () => {
    expect(lineColOf("a😀b\nxy", 4)).toEqual({ line: 1, column: 4 });
    expect(lineColOf("a😀b\nxy", 6)).toEqual({ line: 2, column: 2 });
  });
  it("ends a line at \\n, \\r\\n and a lone \\r alike", () => {
    for (const eol of ["\n", "\r\n", "\r"]) {
      const text = `one${eol}two${eol}three`;
      const at = text.indexOf("three") + 2;
      expect(lineColOf(text, at), JSON.stringify(eol)).toEqual({ line: 3, column: 3 });
      expect(lineColIndex(text)(at)).toEqual({ line: 3, column: 3 });
      expect(lineTextAt(text, text.indexOf("two"))).toBe("two");
    }
  });
  it("does not count a byte-order mark opening the file as a column, nor echo it", () => {
    const text = "\ufeffpolicy x\nnext";
    const at = text.indexOf("x");
    expect(lineColOf(text, at)).toEqual({ line: 1, column: 8 });
    expect(lineColIndex(text)(at)).toEqual({ line: 1, column: 8 });
    expect(lineTextAt(text, at)).toBe("policy x");
    expect(lineColOf(text, text.indexOf("next") + 1)).toEqual({ line: 2, column: 2 });
    // anywhere else the character is text like any other
    expect(lineColOf("a\ufeffx", 2)).toEqual({ line: 1, column: 3 });
  });
});
