import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { lineColIndex, lineColOf } from "../../compiler/source.js";

describe("line and column", () => {
  it("the index gives what a rescan gives, for every offset", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("a", "é", "😀", "\n", "\r", " ") , maxLength: 60 }), (text) => {
        const index = lineColIndex(text);
        for (let o = 0; o <= text.length; o++) expect(index(o)).toEqual(lineColOf(text, o));
      }),
    );
  });
  it("counts columns in code points", () => {
    expect(lineColOf("a😀b\nxy", 4)).toEqual({ line: 1, column: 4 });
    expect(lineColOf("a😀b\nxy", 6)).toEqual({ line: 2, column: 2 });
  });
});
